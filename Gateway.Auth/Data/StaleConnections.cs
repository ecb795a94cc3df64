using Npgsql;

namespace Gateway.Auth.Data;

/// <summary>
/// After PostgreSQL restarts or fails over, every idle pooled connection still points at the server
/// that went away, and each fails the first command sent on it: with a warm pool that is one failed
/// request per idle connection (a registration answered 503 minutes after the database came back, in
/// the end-to-end suite). The first connection-level failure therefore empties both data sources'
/// idle connections, so the commands after it open fresh ones; connections in use are discarded by
/// Npgsql when they break.
/// </summary>
internal sealed class StaleConnections(
    NpgsqlDataSource accounts,
    [FromKeyedServices(CredentialStore.DataSourceKey)] NpgsqlDataSource credentials)
{
    /// <summary>Drops idle connections when <paramref name="exception"/> says the connection or the server is gone.</summary>
    public void Observe(Exception exception)
    {
        if (IsConnectionFailure(exception))
        {
            accounts.Clear();
            credentials.Clear();
        }
    }

    /// <summary>
    /// A broken connection (Npgsql's transient errors: I/O, timeouts) or a server going away
    /// (SQLSTATE class 08 connection exception, 57P01-57P03 shutdown and cannot-connect-now).
    /// </summary>
    public static bool IsConnectionFailure(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => exception.InnerException is { } inner && IsConnectionFailure(inner),
    };
}

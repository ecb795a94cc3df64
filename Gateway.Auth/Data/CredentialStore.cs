using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Auth.Data;

/// <summary>
/// The hot path: the two credential lookups, and nothing else, through a multiplexing data source.
/// </summary>
/// <remarks>
/// Measured with bench/auth-grpc.sh on one server core (2026-12-02), a lookup through the pooled
/// data source and Dapper cost ~410 µs of service CPU and ~250 µs of PostgreSQL CPU: each call took
/// a connection, woke its backend process, paid the pool's session reset, and had its named
/// parameters rewritten by Npgsql's SQL parser. Multiplexing writes the commands of concurrent calls
/// into a few connections in one buffer and reads their answers in one pass, so wake-ups and system
/// calls are shared; positional parameters skip the parser; auto-preparation (which needs a session
/// that is not reset) saves PostgreSQL the parse and plan. Writes, transactions and the migration
/// lock need a connection of their own and keep the pooled data source (<see cref="AuthStore"/>).
/// </remarks>
internal sealed class CredentialStore(
    [FromKeyedServices(CredentialStore.DataSourceKey)] NpgsqlDataSource dataSource,
    StaleConnections staleConnections)
{
    /// <summary>
    /// Aspire keys a data source by its connection name, so the multiplexing registration of the
    /// same "authdb" connection is the keyed one.
    /// </summary>
    public const string DataSourceKey = "authdb";

    private const string ByAccessToken = """
        SELECT u.id, u.user_name, u.plan, p.requests_per_window, p.window_seconds, u.roles, u.disabled,
               t.expires_at, t.revoked_at
        FROM access_tokens t
        JOIN users u ON u.id = t.user_id
        JOIN plans p ON p.name = u.plan
        WHERE t.token_hash = $1
        """;

    private const string ByApiKey = """
        SELECT u.id, u.user_name, u.plan, p.requests_per_window, p.window_seconds, u.roles, u.disabled,
               NULL::timestamptz, k.revoked_at
        FROM api_keys k
        JOIN users u ON u.id = k.user_id
        JOIN plans p ON p.name = u.plan
        WHERE k.key_hash = $1
        """;

    /// <summary>One indexed lookup joining the token, its user and the user's plan.</summary>
    /// <remarks>
    /// <paramref name="cancellationToken"/> ends the wait, never the command: on a multiplexed
    /// connection a command cannot be cancelled alone, and a caller that gave up mid-read (a proxy's
    /// deadline) broke the connection under every lookup sharing it. bench/tenants.sh showed it as
    /// bursts of "A previous command on this connection caused an error requiring all pending
    /// commands on this connection to be aborted" after each cancelled call, enough to open the
    /// proxies' breakers. The command itself is bounded by the command timeout (5 s).
    /// </remarks>
    public Task<PrincipalRow?> FindByAccessTokenAsync(byte[] tokenHash, CancellationToken cancellationToken) =>
        FindAsync(ByAccessToken, tokenHash).WaitAsync(cancellationToken);

    /// <inheritdoc cref="FindByAccessTokenAsync"/>
    public Task<PrincipalRow?> FindByApiKeyAsync(byte[] keyHash, CancellationToken cancellationToken) =>
        FindAsync(ByApiKey, keyHash).WaitAsync(cancellationToken);

    /// <summary>
    /// Runs both lookups concurrently for credentials that do not exist, a few rounds: opens the
    /// multiplexed connections, has the statements auto-prepared and the code compiled before the
    /// service reports ready, so the burst of first lookups after a deploy meets a warm service
    /// instead of tripping the proxies' deadlines (measured: the first calls of a cold service took
    /// hundreds of milliseconds, against a 300 ms deadline).
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        const int Rounds = 8;
        const int Concurrency = 16;
        var hash = new byte[32];
        for (var round = 0; round < Rounds; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(i =>
                i % 2 == 0 ? FindByAccessTokenAsync(hash, cancellationToken) : FindByApiKeyAsync(hash, cancellationToken)));
        }
    }

    /// <summary>
    /// A read, so safe to repeat: a connection that died with the server it was opened to (a
    /// PostgreSQL restart or failover) fails its next command, and a lookup should not fail for that
    /// while a fresh connection would answer. Up to <see cref="Attempts"/> tries, at once, only for
    /// transient errors.
    /// </summary>
    private async Task<PrincipalRow?> FindAsync(string sql, byte[] hash)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await FindOnceAsync(sql, hash);
            }
            catch (NpgsqlException ex) when (ex.IsTransient && attempt < Attempts)
            {
                // The retry should get a live connection, and so should everybody else.
                staleConnections.Observe(ex);
            }
        }
    }

    private const int Attempts = 3;

    private async Task<PrincipalRow?> FindOnceAsync(string sql, byte[] hash)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = hash });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow);
        if (!await reader.ReadAsync())
        {
            return null;
        }

        return new PrincipalRow
        {
            UserId = reader.GetGuid(0),
            UserName = reader.GetString(1),
            Plan = reader.GetString(2),
            RequestsPerWindow = reader.GetInt32(3),
            WindowSeconds = reader.GetInt32(4),
            Roles = reader.GetFieldValue<string[]>(5),
            Disabled = reader.GetBoolean(6),
            ExpiresAt = reader.IsDBNull(7) ? null : reader.GetDateTime(7),
            RevokedAt = reader.IsDBNull(8) ? null : reader.GetDateTime(8),
        };
    }
}

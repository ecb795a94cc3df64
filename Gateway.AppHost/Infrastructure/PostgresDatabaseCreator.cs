using Npgsql;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// Creates a database on the executable PostgreSQL server when it becomes ready, as Aspire's
/// container integration does for <c>AddDatabase</c>.
/// </summary>
internal static class PostgresDatabaseCreator
{
    private const string DuplicateDatabase = "42P04";

    public static async Task EnsureCreatedAsync(PostgresDatabaseExecutableResource database, CancellationToken cancellationToken)
    {
        var serverConnectionString = await database.Parent.ConnectionStringExpression.GetValueAsync(cancellationToken);
        var builder = new NpgsqlConnectionStringBuilder(serverConnectionString) { Timeout = 5, Pooling = false, Database = "postgres" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection))
        {
            exists.Parameters.AddWithValue("name", database.DatabaseName);
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }
        }

        // Identifiers cannot be parameters; the name comes from the app model and is quoted anyway.
        var quoted = "\"" + database.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == DuplicateDatabase)
        {
            // Created concurrently: fine.
        }
    }
}

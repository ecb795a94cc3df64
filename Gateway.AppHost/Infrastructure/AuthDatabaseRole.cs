using Npgsql;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// The auth service's own PostgreSQL role: it logs in, owns its database and the schema in it, and
/// can do nothing else (no superuser, no CREATEROLE, no CREATEDB, no replication, no RLS bypass).
/// The AppHost's superuser connection creates it, like Aspire creates a database.
/// </summary>
/// <remarks>
/// Made idempotent and run on every start: it also takes over tables an earlier version created
/// as the superuser (a data directory from before the role existed), and sets the password from
/// the parameter, so the parameter stays the one truth.
/// </remarks>
internal static class AuthDatabaseRole
{
    public const string Name = "gateway_auth";

    private const string DuplicateObject = "42710";

    public static async Task EnsureAsync(string serverConnectionString, string database, string password, CancellationToken cancellationToken)
    {
        var server = new NpgsqlConnectionStringBuilder(serverConnectionString) { Timeout = 5, Pooling = false, Database = "postgres" };
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            try
            {
                await ExecuteAsync(connection, $"CREATE ROLE {Name} LOGIN", cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == DuplicateObject)
            {
                // Created before (or concurrently): its attributes and password are set below anyway.
            }

            // Utility statements take no parameters; the password is a generated parameter value,
            // quoted as a literal all the same.
            await ExecuteAsync(connection, $"ALTER ROLE {Name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {Literal(password)}", cancellationToken);
            await ExecuteAsync(connection, $"ALTER DATABASE {Identifier(database)} OWNER TO {Name}", cancellationToken);
            await ExecuteAsync(connection, $"REVOKE ALL ON DATABASE {Identifier(database)} FROM PUBLIC", cancellationToken);
        }

        server.Database = database;
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await ExecuteAsync(connection, $"ALTER SCHEMA public OWNER TO {Name}", cancellationToken);
            await ExecuteAsync(connection, $"""
                DO $$
                DECLARE item record;
                BEGIN
                    FOR item IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v', 'm', 'p')
                                  AND pg_get_userbyid(c.relowner) <> '{Name}'
                    LOOP
                        EXECUTE format('ALTER %s public.%I OWNER TO {Name}',
                            CASE item.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                            item.relname);
                    END LOOP;
                END $$
                """, cancellationToken);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}

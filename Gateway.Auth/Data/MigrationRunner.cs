using Npgsql;

namespace Gateway.Auth.Data;

/// <summary>
/// Applies the embedded, versioned SQL migrations (<c>Data/Migrations/NNNN_name.sql</c>) in order,
/// each in its own transaction. A session-level advisory lock serialises instances that start at
/// the same time: the second waits, then finds nothing left to do.
/// </summary>
/// <remarks>
/// Npgsql + Dapper + plain SQL files rather than EF Core: the schema is small, the hot query is
/// hand-tuned, and SQL migrations are reviewable as they run.
/// </remarks>
internal sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    // Arbitrary constant identifying "Gateway.Auth schema migrations" among advisory locks.
    private const long AdvisoryLockKey = 0x47_57_41_55_54_48; // "GWAUTH"

    private const string ResourcePrefix = "Gateway.Auth.Data.Migrations.";

    public static IReadOnlyList<Migration> Discover()
    {
        var assembly = typeof(MigrationRunner).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                var fileName = name[ResourcePrefix.Length..^".sql".Length];
                var version = int.Parse(fileName.AsSpan(0, fileName.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return new Migration(version, fileName, reader.ReadToEnd());
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await using (var create = new NpgsqlCommand(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var applied = new HashSet<int>();
            await using (var select = new NpgsqlCommand("SELECT version FROM schema_migrations", connection))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }

            foreach (var migration in Discover().Where(m => !applied.Contains(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand(
                    "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)", connection, transaction))
                {
                    record.Parameters.AddWithValue("version", migration.Version);
                    record.Parameters.AddWithValue("name", migration.Name);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                Log.Applied(logger, migration.Version, migration.Name);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    internal sealed record Migration(int Version, string Name, string Sql);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
        public static partial void Applied(ILogger logger, int version, string name);
    }
}

using System.Data.Common;
using Dapper;
using Gateway.Auth.Data;
using Gateway.Contracts.Configuration;
using Npgsql;

namespace Gateway.Auth.Configuration;

/// <summary>
/// The configuration versions (<c>config_versions</c>, migration 0003): reads, and the two ways a
/// version is appended. All parameterised; a version is never updated or deleted.
/// </summary>
/// <remarks>
/// Documents go in as text cast to <c>jsonb</c> and come back as <c>document::text</c>: PostgreSQL
/// normalises whitespace and key order (and keeps the last of duplicate keys, which callers refuse
/// before), so what a reader gets is equivalent to what was stored, not byte-identical.
/// </remarks>
internal sealed class ConfigStore(NpgsqlDataSource dataSource)
{
    /// <summary>The author of version 1 when it comes from a proxy's configuration file.</summary>
    public const string BootstrapAuthor = "bootstrap";

    private const string UniqueViolation = "23505";
    private const string ForeignKeyViolation = "23503";
    private const string RestoredFromConstraint = "config_versions_restored_from_fkey";

    private const string Columns = "version, document::text AS document, author, summary, created_at, restored_from";
    private const string ColumnsWithoutDocument = "version, author, summary, created_at, restored_from";

    static ConfigStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>The active version's number; 0 while none is stored.</summary>
    public async Task<long> GetActiveVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ActiveVersionAsync(connection, null, cancellationToken);
    }

    /// <summary>The active version with its document; null while none is stored.</summary>
    public async Task<ConfigVersionRow?> GetActiveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ActiveAsync(connection, cancellationToken);
    }

    public async Task<ConfigVersionRow?> GetAsync(long version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ConfigVersionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM config_versions WHERE version = @version",
            new { version },
            cancellationToken: cancellationToken));
    }

    /// <summary>Up to <paramref name="limit"/> versions older than <paramref name="beforeVersion"/> (0: from the newest), newest first, without documents.</summary>
    public async Task<IReadOnlyList<ConfigVersionRow>> ListAsync(int limit, long beforeVersion, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ConfigVersionRow>(new CommandDefinition(
            $"SELECT {ColumnsWithoutDocument} FROM config_versions WHERE version < @before ORDER BY version DESC LIMIT @limit",
            new { before = beforeVersion > 0 ? beforeVersion : long.MaxValue, limit },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Whether any version was ever stored (then versions own plan limits: see <see cref="DatabaseInitializer"/>).</summary>
    public async Task<bool> AnyAsync(CancellationToken cancellationToken) => await GetActiveVersionAsync(cancellationToken) > 0;

    /// <summary>
    /// Stores <paramref name="document"/> as version <paramref name="expectedVersion"/> + 1 if
    /// <paramref name="expectedVersion"/> is the active version, and upserts
    /// <paramref name="plans"/> into the plans table, in one transaction. Plans missing from the
    /// document are kept: users may be on them.
    /// </summary>
    public async Task<ConfigInsertResult> InsertNextAsync(
        long expectedVersion,
        string document,
        string author,
        string summary,
        long? restoredFrom,
        IReadOnlyDictionary<string, PlanLimits> plans,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Read committed: a change committed meanwhile is seen here, and one committing
            // concurrently with the same number makes the INSERT below wait for it, then fail on
            // the primary key (mapped to the same conflict).
            var active = await ActiveVersionAsync(connection, transaction, cancellationToken);
            if (active != expectedVersion)
            {
                return new ConfigInsertResult(ConfigInsertOutcome.Conflict, null, active);
            }

            // Versions are numbered 1..active without gaps; a later one would even satisfy the
            // foreign key by pointing at the row being inserted.
            if (restoredFrom > active)
            {
                return new ConfigInsertResult(ConfigInsertOutcome.UnknownRestoredFrom, null, active);
            }

            var stored = await InsertAsync(connection, transaction, expectedVersion + 1, document, author, summary, restoredFrom, cancellationToken);
            await UpsertPlansAsync(connection, transaction, plans, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new ConfigInsertResult(ConfigInsertOutcome.Stored, stored, stored.Version);
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return new ConfigInsertResult(ConfigInsertOutcome.Conflict, null, await ActiveVersionAsync(connection, null, cancellationToken));
        }
        catch (PostgresException ex) when (ex.SqlState == ForeignKeyViolation && ex.ConstraintName == RestoredFromConstraint)
        {
            return new ConfigInsertResult(ConfigInsertOutcome.UnknownRestoredFrom, null, await ActiveVersionAsync(connection, null, cancellationToken));
        }
    }

    /// <summary>
    /// Stores version 1 when no version exists: <paramref name="document"/> with a <c>plans</c>
    /// section of every plan in the plans table (which holds <c>Auth:Plans</c> at this point, see
    /// <see cref="DatabaseInitializer"/>). Returns the active version either way, and whether this
    /// call stored it.
    /// </summary>
    public async Task<(ConfigVersionRow Active, bool Created)> BootstrapAsync(string document, string summary, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (await ActiveVersionAsync(connection, transaction, cancellationToken) == 0)
            {
                var plans = await connection.QueryAsync<PlanRow>(new CommandDefinition(
                    "SELECT name, requests_per_window, window_seconds FROM plans ORDER BY name",
                    transaction: transaction,
                    cancellationToken: cancellationToken));
                var withPlans = ConfigPlans.WithPlans(document, plans.Select(plan =>
                    KeyValuePair.Create(plan.Name, new PlanLimits(plan.RequestsPerWindow, plan.WindowSeconds))));
                var stored = await InsertAsync(connection, transaction, 1, withPlans, BootstrapAuthor, summary, null, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return (stored, true);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            // Another replica's bootstrap (or a first PutConfig) came first: answer with its version.
        }

        return (await ActiveAsync(connection, cancellationToken) ?? throw new InvalidOperationException("No configuration version after a conflicting insert."), false);
    }

    private static async Task<ConfigVersionRow> InsertAsync(
        NpgsqlConnection connection,
        DbTransaction transaction,
        long version,
        string document,
        string author,
        string summary,
        long? restoredFrom,
        CancellationToken cancellationToken) =>
        await connection.QuerySingleAsync<ConfigVersionRow>(new CommandDefinition(
            $"""
            INSERT INTO config_versions (version, document, author, summary, restored_from)
            VALUES (@version, CAST(@document AS jsonb), @author, @summary, @restoredFrom)
            RETURNING {Columns}
            """,
            new { version, document, author, summary, restoredFrom },
            transaction,
            cancellationToken: cancellationToken));

    /// <summary>One statement for every plan; rows whose limits are unchanged are not touched.</summary>
    private static async Task UpsertPlansAsync(
        NpgsqlConnection connection, DbTransaction transaction, IReadOnlyDictionary<string, PlanLimits> plans, CancellationToken cancellationToken)
    {
        if (plans.Count == 0)
        {
            return;
        }

        // In name order, like every other writer of several plans, so concurrent writers lock rows in one order.
        var ordered = plans.OrderBy(plan => plan.Key, StringComparer.Ordinal).ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO plans (name, requests_per_window, window_seconds)
            SELECT * FROM unnest(@names::text[], @requests::integer[], @windows::integer[])
            ON CONFLICT (name) DO UPDATE
              SET requests_per_window = EXCLUDED.requests_per_window, window_seconds = EXCLUDED.window_seconds, updated_at = now()
              WHERE plans.requests_per_window <> EXCLUDED.requests_per_window OR plans.window_seconds <> EXCLUDED.window_seconds
            """,
            new
            {
                names = ordered.Select(plan => plan.Key).ToArray(),
                requests = ordered.Select(plan => plan.Value.RequestsPerWindow).ToArray(),
                windows = ordered.Select(plan => plan.Value.WindowSeconds).ToArray(),
            },
            transaction,
            cancellationToken: cancellationToken));
    }

    private static async Task<long> ActiveVersionAsync(NpgsqlConnection connection, DbTransaction? transaction, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT coalesce(max(version), 0) FROM config_versions", transaction: transaction, cancellationToken: cancellationToken));

    private static async Task<ConfigVersionRow?> ActiveAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<ConfigVersionRow>(new CommandDefinition(
            $"SELECT {Columns} FROM config_versions ORDER BY version DESC LIMIT 1", cancellationToken: cancellationToken));
}

using Dapper;
using Npgsql;

namespace Gateway.Auth.Data;

/// <summary>Every SQL statement of the service; all parameterised, one round trip each.</summary>
internal sealed class AuthStore(NpgsqlDataSource dataSource)
{
    private const string UniqueViolation = "23505";
    private const string ForeignKeyViolation = "23503";

    static AuthStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>Inserts a user; false when the normalised name is taken.</summary>
    public async Task<bool> TryCreateUserAsync(
        Guid id, string userName, string normalizedName, string passwordHash, string plan, string[] roles, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO users (id, user_name, user_name_normalized, password_hash, plan, roles)
                VALUES (@id, @userName, @normalizedName, @passwordHash, @plan, @roles)
                """,
                new { id, userName, normalizedName, passwordHash, plan, roles },
                cancellationToken: cancellationToken));
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
        {
            return false;
        }
    }

    /// <summary>Creates the user unless the name exists; used for demo data.</summary>
    public async Task EnsureUserAsync(
        string userName, string normalizedName, string passwordHash, string plan, string[] roles, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, user_name, user_name_normalized, password_hash, plan, roles)
            VALUES (@id, @userName, @normalizedName, @passwordHash, @plan, @roles)
            ON CONFLICT (user_name_normalized) DO NOTHING
            """,
            new { id = Guid.CreateVersion7(), userName, normalizedName, passwordHash, plan, roles },
            cancellationToken: cancellationToken));
    }

    public async Task<LoginRow?> FindLoginAsync(string normalizedName, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<LoginRow>(new CommandDefinition(
            "SELECT id, password_hash, plan, disabled FROM users WHERE user_name_normalized = @normalizedName",
            new { normalizedName },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Replaces a user's password hash by one of the same password at the current parameters,
    /// unless it changed since it was read: the condition on the old value keeps a concurrent
    /// change (another replica's upgrade, a future password change) from being overwritten.
    /// False when nothing was replaced.
    /// </summary>
    public async Task<bool> ReplacePasswordHashAsync(Guid userId, string oldHash, string newHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @newHash, updated_at = now() WHERE id = @userId AND password_hash = @oldHash",
            new { userId, oldHash, newHash },
            cancellationToken: cancellationToken));
        return rows == 1;
    }

    public async Task InsertAccessTokenAsync(byte[] tokenHash, Guid userId, DateTime expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO access_tokens (token_hash, user_id, expires_at) VALUES (@tokenHash, @userId, @expiresAt)",
            new { tokenHash, userId, expiresAt },
            cancellationToken: cancellationToken));
    }

    /// <summary>Revokes an active token; false when it was unknown or already revoked.</summary>
    public async Task<bool> RevokeAccessTokenAsync(byte[] tokenHash, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE access_tokens SET revoked_at = @now WHERE token_hash = @tokenHash AND revoked_at IS NULL",
            new { tokenHash, now },
            cancellationToken: cancellationToken));
        return rows == 1;
    }

    /// <summary>
    /// Inserts a key unless the user already holds <paramref name="maxActive"/> unrevoked ones
    /// (then null). The user's row is locked first, so concurrent requests of one user are counted
    /// one after the other and cannot overshoot together.
    /// </summary>
    public async Task<ApiKeyRow?> InsertApiKeyAsync(
        Guid id, byte[] keyHash, Guid userId, string name, string prefix, int maxActive, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two statements: under READ COMMITTED the count must take its snapshot after the lock
        // was granted, or it would miss the key a concurrent request committed meanwhile.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM users WHERE id = @userId FOR UPDATE", new { userId }, transaction, cancellationToken: cancellationToken));
        var active = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM api_keys WHERE user_id = @userId AND revoked_at IS NULL",
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        if (active >= maxActive)
        {
            return null;
        }

        var row = await connection.QuerySingleAsync<ApiKeyRow>(new CommandDefinition(
            """
            INSERT INTO api_keys (id, key_hash, user_id, name, prefix) VALUES (@id, @keyHash, @userId, @name, @prefix)
            RETURNING id, name, prefix, created_at, revoked_at
            """,
            new { id, keyHash, userId, name, prefix },
            transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return row;
    }

    public async Task<IReadOnlyList<ApiKeyRow>> ListApiKeysAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ApiKeyRow>(new CommandDefinition(
            "SELECT id, name, prefix, created_at, revoked_at FROM api_keys WHERE user_id = @userId ORDER BY created_at, id",
            new { userId },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// Revokes one of the user's keys. Returns the key's hash when this call revoked it (for cache
    /// invalidation), an empty array when it was already revoked, null when there is no such key.
    /// </summary>
    public async Task<byte[]?> RevokeApiKeyAsync(Guid userId, Guid keyId, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var hash = await connection.QuerySingleOrDefaultAsync<byte[]>(new CommandDefinition(
            "UPDATE api_keys SET revoked_at = @now WHERE id = @keyId AND user_id = @userId AND revoked_at IS NULL RETURNING key_hash",
            new { keyId, userId, now },
            cancellationToken: cancellationToken));
        if (hash is not null)
        {
            return hash;
        }

        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = @keyId AND user_id = @userId)",
            new { keyId, userId },
            cancellationToken: cancellationToken));
        return exists ? [] : null;
    }

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> access tokens that expired before
    /// <paramref name="cutoff"/> (index <c>access_tokens_expires_at</c>); returns how many. Rows
    /// another transaction holds (a logout revoking one) are skipped, not waited for, so the purge
    /// never queues behind a request, and concurrent purges of several replicas take different rows.
    /// </summary>
    public async Task<int> DeleteExpiredAccessTokensAsync(DateTime cutoff, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM access_tokens WHERE token_hash IN (
                SELECT token_hash FROM access_tokens WHERE expires_at < @cutoff LIMIT @batchSize FOR UPDATE SKIP LOCKED)
            """,
            new { cutoff, batchSize },
            cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> API keys revoked before <paramref name="cutoff"/>
    /// (partial index <c>api_keys_revoked_at</c>); returns how many. Active keys are never touched.
    /// </summary>
    public async Task<int> DeleteRevokedApiKeysAsync(DateTime cutoff, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM api_keys WHERE id IN (
                SELECT id FROM api_keys WHERE revoked_at < @cutoff LIMIT @batchSize FOR UPDATE SKIP LOCKED)
            """,
            new { cutoff, batchSize },
            cancellationToken: cancellationToken));
    }

    /// <summary>Moves a user to a plan. Null when the user does not exist; throws <see cref="UnknownPlanException"/>.</summary>
    public async Task<Guid?> SetUserPlanAsync(string normalizedName, string plan, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
                "UPDATE users SET plan = @plan, updated_at = now() WHERE user_name_normalized = @normalizedName RETURNING id",
                new { normalizedName, plan },
                cancellationToken: cancellationToken));
        }
        catch (PostgresException ex) when (ex.SqlState == ForeignKeyViolation)
        {
            throw new UnknownPlanException(plan);
        }
    }

    public async Task<Guid?> SetUserDisabledAsync(string normalizedName, bool disabled, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "UPDATE users SET disabled = @disabled, updated_at = now() WHERE user_name_normalized = @normalizedName RETURNING id",
            new { normalizedName, disabled },
            cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<PlanRow>> ListPlansAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PlanRow>(new CommandDefinition(
            "SELECT name, requests_per_window, window_seconds FROM plans ORDER BY requests_per_window, name",
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Creates a plan unless one of that name exists (whose limits are then left alone).</summary>
    public async Task InsertPlanIfMissingAsync(string name, int requestsPerWindow, int windowSeconds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO plans (name, requests_per_window, window_seconds) VALUES (@name, @requestsPerWindow, @windowSeconds) ON CONFLICT (name) DO NOTHING",
            new { name, requestsPerWindow, windowSeconds },
            cancellationToken: cancellationToken));
    }

    public async Task UpsertPlanAsync(string name, int requestsPerWindow, int windowSeconds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO plans (name, requests_per_window, window_seconds) VALUES (@name, @requestsPerWindow, @windowSeconds)
            ON CONFLICT (name) DO UPDATE
              SET requests_per_window = EXCLUDED.requests_per_window, window_seconds = EXCLUDED.window_seconds, updated_at = now()
            """,
            new { name, requestsPerWindow, windowSeconds },
            cancellationToken: cancellationToken));
    }
}

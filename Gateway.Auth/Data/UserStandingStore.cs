using Dapper;
using Npgsql;

namespace Gateway.Auth.Data;

/// <summary>
/// The dashboard's re-check of a signed-in admin: one primary-key lookup. Kept apart from
/// <see cref="AuthStore"/> so this read-only query does not grow the store every account call uses.
/// </summary>
internal sealed class UserStandingStore(NpgsqlDataSource dataSource)
{
    public async Task<UserStandingRow?> FindAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserStandingRow>(new CommandDefinition(
            "SELECT disabled, roles FROM users WHERE id = @userId",
            new { userId },
            cancellationToken: cancellationToken));
    }
}

using Gateway.EndToEndTests.Infrastructure;
using Npgsql;

namespace Gateway.EndToEndTests.Security;

/// <summary>
/// The auth service reaches PostgreSQL as its own role, which owns its schema and can do nothing
/// beyond it: no new roles, no new databases, no privileges for itself.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class PostgresLeastPrivilegeTests(GatewayAppFixture fixture)
{
    private const string Role = "gateway_auth";
    private const string InsufficientPrivilege = "42501";

    [Fact]
    public async Task TheAuthServicesRole_OwnsItsTables_ButCannotCreateRolesOrDatabases_NorRaiseItself()
    {
        await using var connection = await ConnectAsAuthRoleAsync();

        // The service migrated its schema as this role (it owns what it created) ...
        Assert.Equal(Role, await ScalarAsync<string>(connection, "SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'users'"));
        Assert.Equal(Role, await ScalarAsync<string>(connection, "SELECT current_user"));
        Assert.False(await ScalarAsync<bool>(connection, "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls FROM pg_roles WHERE rolname = current_user"));

        // ... and is refused everything a leaked password could be used for beyond its data.
        foreach (var statement in new[]
        {
            "CREATE ROLE intruder LOGIN PASSWORD 'x'",
            "CREATE DATABASE intruder",
            $"ALTER ROLE {Role} SUPERUSER",
            $"ALTER ROLE {Role} CREATEROLE",
            "COPY (SELECT 1) TO PROGRAM 'true'",
        })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, statement));
            Assert.True(refused.SqlState == InsufficientPrivilege, $"{statement}: {refused.SqlState} {refused.MessageText}");
        }
    }

    [Fact]
    public async Task TheAuthServicesRole_ReadsAndAppendsConfigurationVersions_ButCannotRewriteThem()
    {
        await using var connection = await ConnectAsAuthRoleAsync();

        Assert.Equal(Role, await ScalarAsync<string>(connection, "SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'config_versions'"));
        Assert.True(await ScalarAsync<bool>(connection, "SELECT has_table_privilege('config_versions', 'SELECT') AND has_table_privilege('config_versions', 'INSERT')"));

        // DELETE and TRUNCATE are revoked; UPDATE, which the foreign key's row lock needs, is
        // refused by a statement trigger (migration 0003). Each statement would change nothing if
        // it ran (WHERE false; TRUNCATE rolled back), so a regression fails this test without
        // erasing the history the other tests share.
        foreach (var statement in new[]
        {
            "UPDATE config_versions SET summary = summary WHERE false",
            "DELETE FROM config_versions WHERE false",
            "TRUNCATE config_versions",
        })
        {
            await using var transaction = await connection.BeginTransactionAsync();
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, statement));
            Assert.True(refused.SqlState == InsufficientPrivilege, $"{statement}: {refused.SqlState} {refused.MessageText}");
            await transaction.RollbackAsync();
        }
    }

    private async Task<NpgsqlConnection> ConnectAsAuthRoleAsync() =>
        await AppResources.OpenAuthDatabaseAsync(fixture.App, Role, await AppResources.ParameterAsync(fixture.App, "authdb-password"));

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

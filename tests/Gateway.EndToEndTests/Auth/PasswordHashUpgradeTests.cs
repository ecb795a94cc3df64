using System.Security.Cryptography;
using System.Text;
using Aspire.Hosting.Testing;
using Gateway.Auth.Data;
using Gateway.Auth.Security;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;
using Grpc.Core;
using Npgsql;

namespace Gateway.EndToEndTests.Auth;

/// <summary>
/// Users stored under older password settings (issue #18): a shorter password and a lower
/// iteration count, as rows written before the settings changed. Against the real auth service and
/// PostgreSQL of the shared AppHost.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class PasswordHashUpgradeTests(GatewayAppFixture fixture) : IDisposable
{
    /// <summary>The shipped cost (Auth:PasswordHashIterations); the test AppHost does not change it.</summary>
    private const int CurrentIterations = 600_000;

    private const int OldIterations = 10_000;

    private readonly AuthClients _clients = new(fixture.App);

    [Fact]
    public async Task Login_StoredWithOlderIterationsAndAnEightCharacterPassword_SignsIn_RowThenHoldsTheCurrentParameters()
    {
        // Eight characters: allowed when this user registered, below today's minimum.
        const string password = "hunter22";
        var userName = AuthClients.NewUserName("legacy");
        var oldHash = HashWith(password, OldIterations);
        await using var connection = await OpenDatabaseAsync();
        await InsertUserAsync(connection, userName, oldHash);

        var login = await _clients.Auth.LoginAsync(new LoginRequest { UserName = userName, Password = password }, deadline: AuthClients.Deadline());
        Assert.StartsWith("gw_at_", login.AccessToken, StringComparison.Ordinal);

        var stored = await PasswordHashAsync(connection, userName);
        Assert.NotEqual(oldHash, stored);
        Assert.True(StoredPasswordHash.TryParse(stored, out var upgraded), "the upgraded hash has the stored format");
        Assert.Equal(PasswordHasher.Algorithm, upgraded.Algorithm);
        Assert.Equal(CurrentIterations, upgraded.Iterations);
        Assert.Equal(PasswordHasher.SaltBytes, upgraded.Salt.Length);
        Assert.Equal(PasswordHasher.HashBytes, upgraded.Hash.Length);
        Assert.DoesNotContain(password, stored, StringComparison.Ordinal);

        // The upgraded hash is of the same password: the next login works, and leaves it alone.
        var again = await _clients.Auth.LoginAsync(new LoginRequest { UserName = userName, Password = password }, deadline: AuthClients.Deadline());
        Assert.StartsWith("gw_at_", again.AccessToken, StringComparison.Ordinal);
        Assert.Equal(stored, await PasswordHashAsync(connection, userName));
    }

    [Fact]
    public async Task Login_WrongPasswordForAnOldHash_Unauthenticated_RowUnchanged()
    {
        var userName = AuthClients.NewUserName("legacy");
        var oldHash = HashWith("the-right-password", OldIterations);
        await using var connection = await OpenDatabaseAsync();
        await InsertUserAsync(connection, userName, oldHash);

        var failure = await AuthClients.ThrowsRpcAsync(() => _clients.Auth.LoginAsync(
            new LoginRequest { UserName = userName, Password = "the-wrong-password" }, deadline: AuthClients.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, failure.StatusCode);
        Assert.Equal(oldHash, await PasswordHashAsync(connection, userName));
    }

    [Fact]
    public async Task ReplacePasswordHash_RowChangedSinceRead_NotOverwritten()
    {
        // The guard of the upgrade: a hash read before a concurrent change (another replica's
        // upgrade, a password change) must not replace what that change wrote.
        var userName = AuthClients.NewUserName("legacy");
        var readHash = HashWith("the-password-1", OldIterations);
        var concurrent = HashWith("the-password-2", OldIterations);
        await using var connection = await OpenDatabaseAsync();
        var userId = await InsertUserAsync(connection, userName, readHash);
        await using (var change = new NpgsqlCommand("UPDATE users SET password_hash = @h WHERE id = @id", connection))
        {
            change.Parameters.AddWithValue("h", concurrent);
            change.Parameters.AddWithValue("id", userId);
            Assert.Equal(1, await change.ExecuteNonQueryAsync());
        }

        var connectionString = await fixture.App.GetConnectionStringAsync("authdb").AsTask().WaitAsync(AuthClients.CallTimeout);
        await using var dataSource = NpgsqlDataSource.Create(connectionString!);
        var store = new AuthStore(dataSource);

        Assert.False(await store.ReplacePasswordHashAsync(userId, readHash, HashWith("the-password-1", CurrentIterations), CancellationToken.None));
        Assert.Equal(concurrent, await PasswordHashAsync(connection, userName));

        var upgraded = HashWith("the-password-2", CurrentIterations);
        Assert.True(await store.ReplacePasswordHashAsync(userId, concurrent, upgraded, CancellationToken.None));
        Assert.Equal(upgraded, await PasswordHashAsync(connection, userName));
    }

    /// <summary>A hash as the service made it when it ran with <paramref name="iterations"/>.</summary>
    private static string HashWith(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(PasswordHasher.SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, PasswordHasher.HashBytes);
        return new StoredPasswordHash(PasswordHasher.Algorithm, iterations, salt, hash).ToString();
    }

    /// <summary>A user row as an older version of the service wrote it (not through Register, which now refuses 8 characters).</summary>
    private static async Task<Guid> InsertUserAsync(NpgsqlConnection connection, string userName, string passwordHash)
    {
        var id = Guid.CreateVersion7();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO users (id, user_name, user_name_normalized, password_hash, plan) VALUES (@id, @name, @normalized, @hash, 'free')", connection);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("name", userName);
        insert.Parameters.AddWithValue("normalized", userName.ToLowerInvariant());
        insert.Parameters.AddWithValue("hash", passwordHash);
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    private static async Task<string> PasswordHashAsync(NpgsqlConnection connection, string userName)
    {
        await using var select = new NpgsqlCommand("SELECT password_hash FROM users WHERE user_name_normalized = @n", connection);
        select.Parameters.AddWithValue("n", userName.ToLowerInvariant());
        return (string)(await select.ExecuteScalarAsync())!;
    }

    private Task<NpgsqlConnection> OpenDatabaseAsync() => AppResources.OpenAuthDatabaseAsync(fixture.App);

    public void Dispose() => _clients.Dispose();
}

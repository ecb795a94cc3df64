using System.Security.Cryptography;
using Gateway.Auth.V1;
using Gateway.Contracts.Credentials;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Npgsql;

namespace Gateway.EndToEndTests.Auth;

/// <summary>
/// The purge job (Data/TokenPurgeService) against the real auth service and PostgreSQL. The test
/// AppHost purges every second (Auth__TokenPurge__Interval); the retentions are the shipped ones:
/// access tokens 1 day after expiry, API keys 30 days after revocation.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class TokenPurgeTests(GatewayAppFixture fixture) : IDisposable
{
    /// <summary>Many purge intervals, on a loaded two-core runner.</summary>
    private static readonly TimeSpan PurgeBound = TimeSpan.FromSeconds(30);

    private readonly AuthClients _clients = new(fixture.App);

    [Fact]
    public async Task ExpiredLongerThanTheRetention_Deleted_ValidAndRecentlyExpiredTokensKept()
    {
        var (_, _, login) = await _clients.NewLoggedInUserAsync();
        var userId = Guid.Parse(login.UserId);
        var stale = RandomNumberGenerator.GetBytes(32);
        var recent = RandomNumberGenerator.GetBytes(32);
        await using var connection = await OpenDatabaseAsync();
        // One statement: every purge that can see the stale row sees the other two as well.
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO access_tokens (token_hash, user_id, created_at, expires_at) VALUES
                (@stale, @user, now() - interval '3 days', now() - interval '2 days'),
                (@recent, @user, now() - interval '2 hours', now() - interval '1 hour')
            """, connection))
        {
            insert.Parameters.AddWithValue("stale", stale);
            insert.Parameters.AddWithValue("recent", recent);
            insert.Parameters.AddWithValue("user", userId);
            Assert.Equal(2, await insert.ExecuteNonQueryAsync());
        }

        await Poll.UntilAsync(
            async cancellationToken => await CountAsync(connection, "access_tokens", "token_hash", stale, cancellationToken) == 0 ? "purged" : null,
            PurgeBound,
            "the token expired 2 days ago to be purged");

        Assert.Equal(1, await CountAsync(connection, "access_tokens", "token_hash", recent, CancellationToken.None));
        Assert.Equal(1, await CountAsync(connection, "access_tokens", "token_hash", CredentialFormat.Hash(login.AccessToken), CancellationToken.None));
        var valid = await _clients.Auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = login.AccessToken }, deadline: AuthClients.Deadline());
        Assert.True(valid.Valid);
    }

    [Fact]
    public async Task ApiKeysRevokedLongerThanTheRetention_Deleted_ActiveAndRecentlyRevokedKept()
    {
        var (_, _, login) = await _clients.NewLoggedInUserAsync();
        var active = await CreateKeyAsync(login.AccessToken, "active");
        var recentlyRevoked = await CreateKeyAsync(login.AccessToken, "revoked today");
        var longRevoked = await CreateKeyAsync(login.AccessToken, "revoked long ago");
        foreach (var key in new[] { recentlyRevoked, longRevoked })
        {
            await _clients.Auth.RevokeApiKeyAsync(new RevokeApiKeyRequest { AccessToken = login.AccessToken, KeyId = key.Info.Id }, deadline: AuthClients.Deadline());
        }

        await using var connection = await OpenDatabaseAsync();
        await using (var age = new NpgsqlCommand("UPDATE api_keys SET revoked_at = now() - interval '31 days' WHERE id = @id", connection))
        {
            age.Parameters.AddWithValue("id", Guid.Parse(longRevoked.Info.Id));
            Assert.Equal(1, await age.ExecuteNonQueryAsync());
        }

        await Poll.UntilAsync(
            async cancellationToken => await CountAsync(connection, "api_keys", "id", Guid.Parse(longRevoked.Info.Id), cancellationToken) == 0 ? "purged" : null,
            PurgeBound,
            "the key revoked 31 days ago to be purged");

        var listed = await _clients.Auth.ListApiKeysAsync(new ListApiKeysRequest { AccessToken = login.AccessToken }, deadline: AuthClients.Deadline());
        var expected = new[] { active.Info.Id, recentlyRevoked.Info.Id }.Order(StringComparer.Ordinal);
        Assert.Equal(expected, listed.Keys.Select(k => k.Id).Order(StringComparer.Ordinal));
        var stillValid = await _clients.Auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = active.ApiKey }, deadline: AuthClients.Deadline());
        Assert.True(stillValid.Valid);
    }

    private async Task<CreateApiKeyResponse> CreateKeyAsync(string accessToken, string name) =>
        await _clients.Auth.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = accessToken, Name = name }, deadline: AuthClients.Deadline());

    private static async Task<long> CountAsync<T>(NpgsqlConnection connection, string table, string column, T value, CancellationToken cancellationToken)
    {
        // Table and column names are this test's constants, never input.
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE {column} = @v", connection);
        count.Parameters.AddWithValue("v", value!);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    private Task<NpgsqlConnection> OpenDatabaseAsync() => AppResources.OpenAuthDatabaseAsync(fixture.App);

    public void Dispose() => _clients.Dispose();
}

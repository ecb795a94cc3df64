using Gateway.Auth;
using Gateway.Auth.Security;
using Gateway.Contracts.Credentials;
using Gateway.TestSupport;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Auth.Security;

public sealed class CredentialsTests
{
    [Fact]
    public void NewAccessTokenAndApiKey_PrefixedDistinctAndClassified()
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => CredentialFormat.NewAccessToken()).ToHashSet();
        var key = CredentialFormat.NewApiKey();

        Assert.Equal(100, tokens.Count);
        Assert.All(tokens, t => Assert.Equal(CredentialType.AccessToken, CredentialFormat.Classify(t)));
        Assert.All(tokens, t => Assert.Equal("gw_at_".Length + 43, t.Length));
        Assert.Equal(CredentialType.ApiKey, CredentialFormat.Classify(key));
        Assert.StartsWith("gw_key_", CredentialFormat.DisplayPrefix(key), StringComparison.Ordinal);
        Assert.Equal("gw_key_".Length + 4, CredentialFormat.DisplayPrefix(key).Length);
    }

    public static TheoryData<string> Malformed() => new()
    {
        "",
        "gw_at_",
        "gw_at_short",
        "gw_at_" + new string('A', 44), // one character too many
        "gw_at_" + new string('A', 42) + "+", // not base64url
        "GW_AT_" + new string('A', 43),
        "Bearer gw_at_" + new string('A', 43),
        "gw_key_" + new string('A', 42),
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Classify_MalformedCredential_Unknown(string credential) =>
        Assert.Equal(CredentialType.Unknown, CredentialFormat.Classify(credential));

    [Fact]
    public void Classify_WellFormedButUnissued_ClassifiedByShape() =>
        Assert.Equal(CredentialType.AccessToken, CredentialFormat.Classify("gw_at_" + new string('A', 43)));

    [Fact]
    public void Hash_IsSha256OfUtf8_AndDiffersPerCredential()
    {
        var token = CredentialFormat.NewAccessToken();

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)), CredentialFormat.Hash(token));
        Assert.NotEqual(CredentialFormat.Hash(token), CredentialFormat.Hash(CredentialFormat.NewAccessToken()));
    }

    [Fact]
    public async Task PasswordHasher_RoundTripsAndRejectsOthers_WithPerUserSalt()
    {
        var hasher = new PasswordHasher(Options.Create(new AuthOptions()), new AuthStatistics(new TestMeterFactory()));

        var first = await hasher.HashAsync("correct horse battery", CancellationToken.None);
        var second = await hasher.HashAsync("correct horse battery", CancellationToken.None);

        Assert.StartsWith("pbkdf2-sha256$600000$", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second); // salted
        Assert.DoesNotContain("correct horse battery", first, StringComparison.Ordinal);
        Assert.Equal(PasswordVerification.Succeeded, await hasher.VerifyAsync("correct horse battery", first, CancellationToken.None));
        Assert.Equal(PasswordVerification.Failed, await hasher.VerifyAsync("correct horse batterY", first, CancellationToken.None));
        Assert.Equal(PasswordVerification.Failed, await hasher.VerifyAsync("correct horse battery", null, CancellationToken.None));
        Assert.Equal(PasswordVerification.Failed, await hasher.VerifyAsync("correct horse battery", "garbage", CancellationToken.None));
    }
}

using System.Security.Cryptography;
using System.Text;
using Gateway.Auth;
using Gateway.Auth.Security;
using Gateway.TestSupport;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Auth.Security;

/// <summary>
/// The stored hash's parameters, the upgrade decision and the dummy hash of unknown users. Low
/// iteration counts keep these fast; the shipped floor (600,000) is the options' business.
/// </summary>
public sealed class PasswordHasherTests
{
    private const string Password = "correct horse battery";

    [Fact]
    public async Task NeedsRehash_CurrentParameters_False_OtherIterationsAlgorithmOrLengths_True()
    {
        var hasher = Hasher(iterations: 2_000);
        var current = await hasher.HashAsync(Password, CancellationToken.None);

        Assert.False(hasher.NeedsRehash(current));
        Assert.True(hasher.NeedsRehash(Hash(Password, iterations: 1_000)));             // cost raised since
        Assert.True(hasher.NeedsRehash(Hash(Password, iterations: 3_000)));             // cost lowered since
        Assert.True(hasher.NeedsRehash(Hash(Password, iterations: 2_000, algorithm: "pbkdf2-sha1")));
        Assert.True(hasher.NeedsRehash(Hash(Password, iterations: 2_000, saltBytes: 8)));
        Assert.True(hasher.NeedsRehash(Hash(Password, iterations: 2_000, hashBytes: 20)));
        Assert.True(hasher.NeedsRehash("garbage"));
        Assert.True(Hasher(iterations: 3_000).NeedsRehash(current));
    }

    [Fact]
    public async Task VerifyAsync_RightPasswordUnderOlderIterations_SucceedsAndAsksForRehash_WrongPasswordFails()
    {
        var hasher = Hasher(iterations: 2_000);
        var old = Hash(Password, iterations: 1_000);

        Assert.Equal(PasswordVerification.SucceededRehashNeeded, await hasher.VerifyAsync(Password, old, CancellationToken.None));
        Assert.Equal(PasswordVerification.Failed, await hasher.VerifyAsync(Password + "!", old, CancellationToken.None));

        var upgraded = await hasher.HashAsync(Password, CancellationToken.None);
        Assert.StartsWith("pbkdf2-sha256$2000$", upgraded, StringComparison.Ordinal);
        Assert.Equal(PasswordVerification.Succeeded, await hasher.VerifyAsync(Password, upgraded, CancellationToken.None));
    }

    [Fact]
    public async Task VerifyAsync_StoredUnderAnotherAlgorithm_FailsRatherThanGuessing()
    {
        var hasher = Hasher(iterations: 2_000);

        var verification = await hasher.VerifyAsync(Password, Hash(Password, iterations: 2_000, algorithm: "pbkdf2-sha1"), CancellationToken.None);

        Assert.Equal(PasswordVerification.Failed, verification);
    }

    [Fact]
    public async Task DummyHash_HasTheCurrentParameters_OfARealHash_AndFollowsTheConfiguredCost()
    {
        foreach (var iterations in new[] { 1_000, 2_500 })
        {
            var hasher = Hasher(iterations);
            Assert.True(StoredPasswordHash.TryParse(await hasher.HashAsync(Password, CancellationToken.None), out var real));
            Assert.True(StoredPasswordHash.TryParse(hasher.DummyHash, out var dummy));

            // The same PBKDF2 call as checking a real, current hash: same algorithm, iterations,
            // salt and output length, hence the same work.
            Assert.Equal(real.Algorithm, dummy.Algorithm);
            Assert.Equal(iterations, dummy.Iterations);
            Assert.Equal(real.Iterations, dummy.Iterations);
            Assert.Equal(real.Salt.Length, dummy.Salt.Length);
            Assert.Equal(real.Hash.Length, dummy.Hash.Length);
            Assert.False(hasher.NeedsRehash(hasher.DummyHash));
        }
    }

    [Fact]
    public void DummyHash_FixedPerHasher_RandomAcrossHashers()
    {
        var hasher = Hasher(iterations: 1_000);
        var other = Hasher(iterations: 1_000);

        Assert.Equal(hasher.DummyHash, hasher.DummyHash);
        Assert.NotEqual(hasher.DummyHash, other.DummyHash);
    }

    [Fact]
    public async Task VerifyAsync_UnknownUserOrUnreadableHash_OneDummyCheckEach_NeverSucceeds()
    {
        var statistics = new AuthStatistics(new TestMeterFactory());
        var hasher = new PasswordHasher(Options.Create(new AuthOptions { PasswordHashIterations = 1_000 }), statistics);

        Assert.Equal(PasswordVerification.Failed, await hasher.VerifyAsync(Password, null, CancellationToken.None));
        Assert.Equal(PasswordVerification.Failed, await hasher.VerifyAsync(Password, "garbage", CancellationToken.None));
        Assert.Equal(PasswordVerification.Failed, await hasher.VerifyAsync(string.Empty, null, CancellationToken.None));
        // Even the dummy itself, presented as a stored hash, matches no password.
        Assert.Equal(PasswordVerification.Failed, await hasher.VerifyAsync(Password, hasher.DummyHash, CancellationToken.None));

        Assert.Equal(4, statistics.Read().PasswordVerifications);
    }

    private static PasswordHasher Hasher(int iterations) =>
        new(Options.Create(new AuthOptions { PasswordHashIterations = iterations }), new AuthStatistics(new TestMeterFactory()));

    /// <summary>A stored hash made as an older (or other) configuration would have made it.</summary>
    internal static string Hash(string password, int iterations, string algorithm = PasswordHasher.Algorithm, int saltBytes = 16, int hashBytes = 32)
    {
        var salt = RandomNumberGenerator.GetBytes(saltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, hashBytes);
        return new StoredPasswordHash(algorithm, iterations, salt, hash).ToString();
    }
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Auth.Security;

/// <summary>
/// PBKDF2-HMAC-SHA256 with a 128-bit per-user salt at the OWASP-recommended cost, stored as
/// <c>pbkdf2-sha256$iterations$salt$hash</c> (<see cref="StoredPasswordHash"/>). A hash whose
/// parameters are not the current ones still verifies, and <see cref="VerifyAsync"/> says so, so
/// that a successful login can store a hash at the current cost (see <c>AuthGrpcService.Login</c>).
/// </summary>
/// <remarks>
/// PBKDF2 from the BCL (OpenSSL underneath) rather than a managed Argon2 package: it is FIPS-grade,
/// fast native code, and needs no dependency. Hashing is CPU-bound by design, so concurrent hash
/// computations are capped at the core count: a login flood queues instead of starving the
/// ValidateToken hot path of threads.
/// </remarks>
internal sealed class PasswordHasher
{
    public const string Algorithm = "pbkdf2-sha256";
    public const int SaltBytes = 16;
    public const int HashBytes = 32;

    private readonly int _iterations;
    private readonly SemaphoreSlim _concurrency = new(Environment.ProcessorCount, Environment.ProcessorCount);

    // What unknown users (and unreadable stored values) are verified against. Built from the
    // current parameters, once: checking it runs PBKDF2 with the same iteration count and output
    // length as checking a current hash, so "no such user" costs what "wrong password" costs. Its
    // salt and "hash" are random bytes, not the output of hashing anything: nothing has to be
    // computed at start-up (the first unknown user is not slower than the next), it derives from
    // no secret, and no password can match it (VerifyAsync reports no match for it regardless).
    private readonly StoredPasswordHash _dummy;

    private readonly AuthStatistics _statistics;

    public PasswordHasher(IOptions<AuthOptions> options, AuthStatistics statistics)
    {
        _statistics = statistics;
        _iterations = options.Value.PasswordHashIterations;
        _dummy = new StoredPasswordHash(Algorithm, _iterations, RandomNumberGenerator.GetBytes(SaltBytes), RandomNumberGenerator.GetBytes(HashBytes));
    }

    /// <summary>The dummy hash of unknown users, formatted like a stored one.</summary>
    internal string DummyHash => _dummy.ToString();

    public async Task<string> HashAsync(string password, CancellationToken cancellationToken)
    {
        await _concurrency.WaitAsync(cancellationToken);
        try
        {
            var salt = RandomNumberGenerator.GetBytes(SaltBytes);
            var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, _iterations, HashAlgorithmName.SHA256, HashBytes);
            return new StoredPasswordHash(Algorithm, _iterations, salt, hash).ToString();
        }
        finally
        {
            _concurrency.Release();
        }
    }

    /// <summary>
    /// Verifies <paramref name="password"/> against <paramref name="storedHash"/>, or against the
    /// dummy hash when there is no user or the stored value cannot be read, so that either costs the
    /// same time as a wrong password and reveals nothing.
    /// </summary>
    public async Task<PasswordVerification> VerifyAsync(string password, string? storedHash, CancellationToken cancellationToken)
    {
        var stored = storedHash is not null && StoredPasswordHash.TryParse(storedHash, out var parsed) && parsed.Algorithm == Algorithm
            ? parsed
            : null;

        await _concurrency.WaitAsync(cancellationToken);
        try
        {
            var matches = Matches(password, stored ?? _dummy);
            _statistics.PasswordVerified();
            if (stored is null || !matches)
            {
                return PasswordVerification.Failed;
            }

            return IsCurrent(stored) ? PasswordVerification.Succeeded : PasswordVerification.SucceededRehashNeeded;
        }
        finally
        {
            _concurrency.Release();
        }
    }

    /// <summary>
    /// Whether <paramref name="storedHash"/> was made with parameters other than the current ones
    /// (algorithm, iteration count, salt or hash length), in either direction: the configured cost
    /// is the policy, and one cost for every account keeps their timings alike.
    /// </summary>
    public bool NeedsRehash(string storedHash) =>
        !StoredPasswordHash.TryParse(storedHash, out var parsed) || !IsCurrent(parsed);

    private bool IsCurrent(StoredPasswordHash stored) =>
        stored.Algorithm == Algorithm && stored.Iterations == _iterations
        && stored.Salt.Length == SaltBytes && stored.Hash.Length == HashBytes;

    private static bool Matches(string password, StoredPasswordHash stored)
    {
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), stored.Salt, stored.Iterations, HashAlgorithmName.SHA256, stored.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(actual, stored.Hash);
    }
}

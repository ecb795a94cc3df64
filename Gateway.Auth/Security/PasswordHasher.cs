using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.Auth.Security;

/// <summary>
/// PBKDF2-HMAC-SHA256 with a 128-bit per-user salt at the OWASP-recommended cost, stored as
/// <c>pbkdf2-sha256$iterations$salt$hash</c> so the cost can be raised without breaking old hashes.
/// </summary>
/// <remarks>
/// PBKDF2 from the BCL (OpenSSL underneath) rather than a managed Argon2 package: it is FIPS-grade,
/// fast native code, and needs no dependency. Hashing is CPU-bound by design, so concurrent hash
/// computations are capped at the core count: a login flood queues instead of starving the
/// ValidateToken hot path of threads.
/// </remarks>
internal sealed class PasswordHasher
{
    private const string Algorithm = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly int _iterations;
    private readonly SemaphoreSlim _concurrency = new(Environment.ProcessorCount, Environment.ProcessorCount);
    private readonly Lazy<string> _dummyHash;

    private readonly AuthStatistics _statistics;

    public PasswordHasher(IOptions<AuthOptions> options, AuthStatistics statistics)
    {
        _statistics = statistics;
        _iterations = options.Value.PasswordHashIterations;
        _dummyHash = new Lazy<string>(() => HashCore(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));
    }

    public async Task<string> HashAsync(string password, CancellationToken cancellationToken)
    {
        await _concurrency.WaitAsync(cancellationToken);
        try
        {
            return HashCore(password);
        }
        finally
        {
            _concurrency.Release();
        }
    }

    /// <summary>
    /// Verifies <paramref name="password"/> against <paramref name="storedHash"/>, or against a
    /// dummy hash when there is no user, so that "no such user" costs the same time as a wrong
    /// password and reveals nothing.
    /// </summary>
    public async Task<bool> VerifyAsync(string password, string? storedHash, CancellationToken cancellationToken)
    {
        await _concurrency.WaitAsync(cancellationToken);
        try
        {
            var matches = VerifyCore(password, storedHash ?? _dummyHash.Value);
            _statistics.PasswordVerified();
            return storedHash is not null && matches;
        }
        finally
        {
            _concurrency.Release();
        }
    }

    private string HashCore(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, _iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Join('$', Algorithm, _iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    private static bool VerifyCore(string password, string storedHash)
    {
        var parts = storedHash.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations <= 0)
        {
            return false;
        }

        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Bench.Tenants;

/// <summary>
/// Credentials in the exact shapes and with the exact hash rules of
/// <c>Gateway.Auth/Security/Credentials.cs</c> (the benchmark does not reference the service, so
/// these few lines are repeated here): prefix + base64url of 32 random bytes, stored as the SHA-256
/// of the credential's UTF-8 bytes; an API key's display prefix is its prefix plus 4 characters.
/// Password hashes have the <c>PasswordHasher</c> format (<c>pbkdf2-sha256$iterations$salt$hash</c>)
/// with a random "hash" that no password produces: nobody can sign in as a seeded user.
/// </summary>
internal static class CredentialFactory
{
    public const string AccessTokenPrefix = "gw_at_";
    public const string ApiKeyPrefix = "gw_key_";

    private const int RandomBytes = 32;
    private const int PasswordIterations = 600_000;

    public static string NewAccessToken() => AccessTokenPrefix + RandomPart();

    public static string NewApiKey() => ApiKeyPrefix + RandomPart();

    public static byte[] Hash(string credential) => SHA256.HashData(Encoding.UTF8.GetBytes(credential));

    public static string DisplayPrefix(string apiKey) => apiKey[..(ApiKeyPrefix.Length + 4)];

    public static string UnusablePasswordHash() =>
        $"pbkdf2-sha256${PasswordIterations}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}";

    /// <summary>PostgreSQL's hex input format of <c>bytea</c> (<c>\x...</c>), as COPY reads it.</summary>
    public static string ByteaHex(byte[] value) => "\\x" + Convert.ToHexStringLower(value);

    private static string RandomPart()
    {
        Span<byte> bytes = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}

using System.Buffers.Text;
using System.Security.Cryptography;
using Gateway.Contracts.Credentials;

namespace Gateway.Bench.Tenants;

/// <summary>
/// Credentials in the shared <see cref="CredentialFormat"/> (prefix + base64url of 32 random bytes,
/// stored as their SHA-256), written straight into the auth database by the seeder; an API key's
/// display prefix is its prefix plus 4 characters, as the auth service shows it.
/// Password hashes have the <c>PasswordHasher</c> format (<c>pbkdf2-sha256$iterations$salt$hash</c>)
/// with a random "hash" that no password produces: nobody can sign in as a seeded user.
/// </summary>
internal static class CredentialFactory
{
    private const int PasswordIterations = 600_000;

    public static string NewAccessToken() => CredentialFormat.AccessTokenPrefix + RandomPart();

    public static string NewApiKey() => CredentialFormat.ApiKeyPrefix + RandomPart();

    public static byte[] Hash(string credential)
    {
        var hash = new byte[CredentialFormat.HashLength];
        CredentialFormat.Hash(credential, hash);
        return hash;
    }

    public static string DisplayPrefix(string apiKey) => apiKey[..(CredentialFormat.ApiKeyPrefix.Length + 4)];

    public static string UnusablePasswordHash() =>
        $"pbkdf2-sha256${PasswordIterations}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}";

    /// <summary>PostgreSQL's hex input format of <c>bytea</c> (<c>\x...</c>), as COPY reads it.</summary>
    public static string ByteaHex(byte[] value) => "\\x" + Convert.ToHexStringLower(value);

    private static string RandomPart()
    {
        Span<byte> bytes = stackalloc byte[CredentialFormat.RandomBytes];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}

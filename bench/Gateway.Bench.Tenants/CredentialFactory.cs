using System.Security.Cryptography;

namespace Gateway.Bench.Tenants;

/// <summary>
/// What the seeder writes beside the credentials (which come from the shared
/// <c>Gateway.Contracts.Credentials.CredentialFormat</c>, as the auth service issues them). Password hashes have the <c>PasswordHasher</c> format (<c>pbkdf2-sha256$iterations$salt$hash</c>)
/// with a random "hash" that no password produces: nobody can sign in as a seeded user.
/// </summary>
internal static class CredentialFactory
{
    private const int PasswordIterations = 600_000;

    public static string UnusablePasswordHash() =>
        $"pbkdf2-sha256${PasswordIterations}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}${Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}";

    /// <summary>PostgreSQL's hex input format of <c>bytea</c> (<c>\x...</c>), as COPY reads it.</summary>
    public static string ByteaHex(byte[] value) => "\\x" + Convert.ToHexStringLower(value);
}

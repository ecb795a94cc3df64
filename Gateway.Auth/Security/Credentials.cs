using System.Buffers.Text;
using System.Security.Cryptography;
using Gateway.Contracts.Credentials;

namespace Gateway.Auth.Security;

/// <summary>
/// Issues access tokens and API keys in the shared <see cref="CredentialFormat"/> and hashes them
/// for storage: only the SHA-256 of a credential is ever written to the database.
/// </summary>
internal static class Credentials
{
    public static string NewAccessToken() => CredentialFormat.AccessTokenPrefix + RandomPart();

    public static string NewApiKey() => CredentialFormat.ApiKeyPrefix + RandomPart();

    /// <summary>What the database stores and looks up (<see cref="CredentialFormat.Hash"/>).</summary>
    public static byte[] Hash(string credential)
    {
        var hash = new byte[CredentialFormat.HashLength];
        CredentialFormat.Hash(credential, hash);
        return hash;
    }

    /// <summary>The first characters of a key, safe to show: the prefix plus 4 random characters.</summary>
    public static string DisplayPrefix(string apiKey) => apiKey[..(CredentialFormat.ApiKeyPrefix.Length + 4)];

    private static string RandomPart()
    {
        Span<byte> bytes = stackalloc byte[CredentialFormat.RandomBytes];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}

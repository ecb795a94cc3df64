using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Auth.Security;

internal enum CredentialType
{
    Unknown,
    AccessToken,
    ApiKey,
}

/// <summary>
/// Access tokens and API keys: 256 random bits, base64url, behind a recognisable prefix (so that
/// secret scanners and people can tell them apart). Only their SHA-256 hash is ever stored.
/// </summary>
internal static class Credentials
{
    public const string AccessTokenPrefix = "gw_at_";
    public const string ApiKeyPrefix = "gw_key_";

    /// <summary>Longest credential accepted anywhere; real ones are 49-50 characters.</summary>
    public const int MaxLength = 256;

    private const int RandomBytes = 32;
    private static readonly int EncodedLength = Base64Url.GetEncodedLength(RandomBytes);

    public static string NewAccessToken() => AccessTokenPrefix + RandomPart();

    public static string NewApiKey() => ApiKeyPrefix + RandomPart();

    /// <summary>Classifies a credential by its shape alone; no lookup.</summary>
    public static CredentialType Classify(string credential)
    {
        if (credential.StartsWith(AccessTokenPrefix, StringComparison.Ordinal)
            && IsRandomPart(credential.AsSpan(AccessTokenPrefix.Length)))
        {
            return CredentialType.AccessToken;
        }

        if (credential.StartsWith(ApiKeyPrefix, StringComparison.Ordinal)
            && IsRandomPart(credential.AsSpan(ApiKeyPrefix.Length)))
        {
            return CredentialType.ApiKey;
        }

        return CredentialType.Unknown;
    }

    /// <summary>SHA-256 of the credential's UTF-8 bytes: what the database stores and looks up.</summary>
    public static byte[] Hash(string credential)
    {
        Span<byte> utf8 = stackalloc byte[MaxLength * 3];
        var length = Encoding.UTF8.GetBytes(credential.AsSpan(0, Math.Min(credential.Length, MaxLength)), utf8);
        return SHA256.HashData(utf8[..length]);
    }

    /// <summary>The lower-case hex SHA-256, as carried by cache invalidation messages.</summary>
    public static string HashHex(byte[] hash) => Convert.ToHexStringLower(hash);

    /// <summary>The first characters of a key, safe to show: the prefix plus 4 random characters.</summary>
    public static string DisplayPrefix(string apiKey) => apiKey[..(ApiKeyPrefix.Length + 4)];

    private static string RandomPart()
    {
        Span<byte> bytes = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    private static bool IsRandomPart(ReadOnlySpan<char> value)
    {
        if (value.Length != EncodedLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}

using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Contracts.Credentials;

/// <summary>
/// The shape of the credentials the auth service issues and the hash both sides key them by.
/// Access tokens and API keys are 256 random bits, base64url without padding, behind a
/// recognisable prefix (so that secret scanners and people can tell them apart). The auth service
/// stores only <see cref="Hash(ReadOnlySpan{char}, Span{byte})"/> of them; the proxy's cache is keyed by the same hash, and
/// invalidation messages name it (<see cref="Invalidation.AuthInvalidations"/>). Anything of
/// another shape is refused locally by the proxy: no cache entry, no network call.
/// </summary>
public static class CredentialFormat
{
    public const string AccessTokenPrefix = "gw_at_";
    public const string ApiKeyPrefix = "gw_key_";

    /// <summary>Random bytes in every credential.</summary>
    public const int RandomBytes = 32;

    /// <summary>Base64url characters of <see cref="RandomBytes"/>, unpadded.</summary>
    public const int RandomPartLength = 43;

    /// <summary>Longest credential accepted anywhere (a request field, a header); real ones are 49-50 characters.</summary>
    public const int MaxLength = 256;

    /// <summary>Bytes of <see cref="Hash(ReadOnlySpan{char}, Span{byte})"/>'s output (SHA-256).</summary>
    public const int HashLength = 32;

    /// <summary>Classifies a credential by its shape alone; no lookup, no allocation.</summary>
    public static CredentialType Classify(ReadOnlySpan<char> credential)
    {
        if (credential.StartsWith(AccessTokenPrefix, StringComparison.Ordinal)
            && IsRandomPart(credential[AccessTokenPrefix.Length..]))
        {
            return CredentialType.AccessToken;
        }

        if (credential.StartsWith(ApiKeyPrefix, StringComparison.Ordinal)
            && IsRandomPart(credential[ApiKeyPrefix.Length..]))
        {
            return CredentialType.ApiKey;
        }

        return CredentialType.Unknown;
    }

    /// <summary>
    /// SHA-256 of the credential's UTF-8 bytes into <paramref name="destination"/>
    /// (<see cref="HashLength"/> bytes): what the database stores and the proxy's cache is keyed by.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The credential is longer than <see cref="MaxLength"/>: callers refuse those first.</exception>
    public static void Hash(ReadOnlySpan<char> credential, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(credential.Length, MaxLength, nameof(credential));
        Span<byte> utf8 = stackalloc byte[MaxLength * 3];
        var length = Encoding.UTF8.GetBytes(credential, utf8);
        SHA256.HashData(utf8[..length], destination);
    }

    /// <summary>A new access token: the prefix and 256 random bits (the auth service issues them; the benchmark seeds them).</summary>
    public static string NewAccessToken() => AccessTokenPrefix + RandomPart();

    /// <summary>A new API key, shown to its owner once.</summary>
    public static string NewApiKey() => ApiKeyPrefix + RandomPart();

    /// <summary><see cref="Hash(ReadOnlySpan{char}, Span{byte})"/> into a new array: what the database stores.</summary>
    public static byte[] Hash(ReadOnlySpan<char> credential)
    {
        var hash = new byte[HashLength];
        Hash(credential, hash);
        return hash;
    }

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
        if (value.Length != RandomPartLength)
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

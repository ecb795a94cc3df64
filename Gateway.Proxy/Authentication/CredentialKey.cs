using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// The SHA-256 of a credential, as a value type: what the cache is keyed by (the credential itself
/// is never kept) and what the auth service publishes when a credential is revoked.
/// </summary>
internal readonly record struct CredentialKey(ulong A, ulong B, ulong C, ulong D)
{
    /// <summary>Longest credential the proxy will look up; the auth service never issues longer.</summary>
    public const int MaxCredentialLength = 256;

    public static CredentialKey From(ReadOnlySpan<char> credential)
    {
        Span<byte> utf8 = stackalloc byte[MaxCredentialLength * 3];
        var length = Encoding.UTF8.GetBytes(credential, utf8);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(utf8[..length], hash);
        return FromHash(hash);
    }

    public static CredentialKey FromHash(ReadOnlySpan<byte> hash) => new(
        BinaryPrimitives.ReadUInt64BigEndian(hash),
        BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));

    /// <summary>Parses the lower-case hex SHA-256 of an invalidation message.</summary>
    public static bool TryParseHex(ReadOnlySpan<char> hex, out CredentialKey key)
    {
        Span<byte> hash = stackalloc byte[32];
        if (hex.Length != 64 || Convert.FromHexString(hex, hash, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            key = default;
            return false;
        }

        key = FromHash(hash);
        return true;
    }

    /// <summary>A short, non-reversible tag for logs (never the credential).</summary>
    public override string ToString() => A.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

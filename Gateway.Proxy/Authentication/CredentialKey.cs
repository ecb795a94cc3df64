using System.Buffers.Binary;
using Gateway.Contracts.Credentials;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// The SHA-256 of a credential, as a value type: what the cache is keyed by (the credential itself
/// is never kept) and what the auth service publishes when a credential is revoked.
/// </summary>
internal readonly record struct CredentialKey(ulong A, ulong B, ulong C, ulong D)
{
    public static CredentialKey From(ReadOnlySpan<char> credential)
    {
        Span<byte> hash = stackalloc byte[CredentialFormat.HashLength];
        CredentialFormat.Hash(credential, hash);
        return FromHash(hash);
    }

    public static CredentialKey FromHash(ReadOnlySpan<byte> hash) => new(
        BinaryPrimitives.ReadUInt64BigEndian(hash),
        BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));

    /// <summary>A short, non-reversible tag for logs (never the credential).</summary>
    public override string ToString() => A.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}

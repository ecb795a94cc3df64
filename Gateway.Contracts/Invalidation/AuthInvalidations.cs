using System.Globalization;
using Gateway.Contracts.Credentials;

namespace Gateway.Contracts.Invalidation;

/// <summary>
/// The auth cache invalidation contract, outside gRPC: after a revocation, a plan change or a user
/// being disabled, the auth service publishes on the Redis channel <see cref="Channel"/>
/// <c>&lt;sequence&gt; &lt;body&gt;</c>, where the body is <c>cred:&lt;lower-case hex SHA-256 of the
/// token or key&gt;</c>, <c>user:&lt;user id&gt;</c> or <c>all</c>, and every proxy replica evicts
/// the answers it cached for it.
/// </summary>
/// <remarks>
/// The sequence is <see cref="SequenceKey"/>, incremented by the same Redis script that publishes
/// (so a message holds exactly the number it was given, and a reader of the key never sees a number
/// whose message was not yet sent). A proxy that receives sequence <c>n + 2</c> after <c>n</c>, or
/// reads a key value past the last message it received, knows it missed one without knowing which.
/// </remarks>
public static class AuthInvalidations
{
    public const string Channel = "gw:auth:invalidations";

    /// <summary>The number of the last invalidation published (absent: none since Redis started).</summary>
    public const string SequenceKey = "{gw:auth:invalidations}:sequence";

    private const string CredentialPrefix = "cred:";
    private const string UserPrefix = "user:";
    private const string AllBody = "all";

    /// <summary>The body for a revoked credential, from its <see cref="CredentialFormat.Hash(ReadOnlySpan{char}, Span{byte})"/>.</summary>
    public static string ForCredential(ReadOnlySpan<byte> credentialHash)
    {
        if (credentialHash.Length != CredentialFormat.HashLength)
        {
            throw new ArgumentException($"A credential hash is {CredentialFormat.HashLength} bytes.", nameof(credentialHash));
        }

        return CredentialPrefix + Convert.ToHexStringLower(credentialHash);
    }

    /// <summary>The body for a user whose cached answers are stale.</summary>
    public static string ForUser(Guid userId) => UserPrefix + userId.ToString("D");

    /// <summary>The body telling every proxy to forget everything it cached.</summary>
    public static string ForAll() => AllBody;

    /// <summary>A body with its sequence number: what goes on the channel.</summary>
    public static string Message(long sequence, string body) =>
        sequence.ToString(CultureInfo.InvariantCulture) + " " + body;

    /// <summary>
    /// Reads a message; anything malformed is <see cref="InvalidationTarget.Unknown"/> (sequence 0
    /// when even that could not be read).
    /// </summary>
    public static AuthInvalidation Parse(ReadOnlySpan<char> message)
    {
        var space = message.IndexOf(' ');
        if (space <= 0
            || !long.TryParse(message[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
            || sequence <= 0)
        {
            return default;
        }

        var body = message[(space + 1)..];
        if (body.StartsWith(CredentialPrefix, StringComparison.Ordinal))
        {
            var hex = body[CredentialPrefix.Length..];
            var hash = new byte[CredentialFormat.HashLength];
            return hex.Length == CredentialFormat.HashLength * 2
                && Convert.FromHexString(hex, hash, out _, out var written) == System.Buffers.OperationStatus.Done
                && written == hash.Length
                ? new AuthInvalidation(sequence, InvalidationTarget.Credential, hash, null)
                : new AuthInvalidation(sequence, InvalidationTarget.Unknown, null, null);
        }

        if (body.StartsWith(UserPrefix, StringComparison.Ordinal)
            && Guid.TryParseExact(body[UserPrefix.Length..], "D", out var userId))
        {
            return new AuthInvalidation(sequence, InvalidationTarget.User, null, userId.ToString("D"));
        }

        return body.SequenceEqual(AllBody)
            ? new AuthInvalidation(sequence, InvalidationTarget.All, null, null)
            : new AuthInvalidation(sequence, InvalidationTarget.Unknown, null, null);
    }
}

using Gateway.Contracts.Credentials;

namespace Gateway.Contracts.Invalidation;

/// <summary>
/// The auth cache invalidation contract, outside gRPC: after a revocation, a plan change or a user
/// being disabled, the auth service publishes on the Redis channel <see cref="Channel"/> either
/// <c>cred:&lt;lower-case hex SHA-256 of the token or key&gt;</c> or <c>user:&lt;user id&gt;</c>, and
/// every proxy replica evicts the answers it cached for it.
/// </summary>
public static class AuthInvalidations
{
    public const string Channel = "gw:auth:invalidations";

    private const string CredentialPrefix = "cred:";
    private const string UserPrefix = "user:";

    /// <summary>The message for a revoked credential, from its <see cref="CredentialFormat.Hash(ReadOnlySpan{char}, Span{byte})"/>.</summary>
    public static string ForCredential(ReadOnlySpan<byte> credentialHash)
    {
        if (credentialHash.Length != CredentialFormat.HashLength)
        {
            throw new ArgumentException($"A credential hash is {CredentialFormat.HashLength} bytes.", nameof(credentialHash));
        }

        return CredentialPrefix + Convert.ToHexStringLower(credentialHash);
    }

    /// <summary>The message for a user whose cached answers are stale.</summary>
    public static string ForUser(Guid userId) => UserPrefix + userId.ToString("D");

    /// <summary>Reads a message; anything malformed is <see cref="InvalidationTarget.Unknown"/>.</summary>
    public static AuthInvalidation Parse(ReadOnlySpan<char> message)
    {
        if (message.StartsWith(CredentialPrefix, StringComparison.Ordinal))
        {
            var hex = message[CredentialPrefix.Length..];
            var hash = new byte[CredentialFormat.HashLength];
            return hex.Length == CredentialFormat.HashLength * 2
                && Convert.FromHexString(hex, hash, out _, out var written) == System.Buffers.OperationStatus.Done
                && written == hash.Length
                ? new AuthInvalidation(InvalidationTarget.Credential, hash, null)
                : default;
        }

        if (message.StartsWith(UserPrefix, StringComparison.Ordinal)
            && Guid.TryParseExact(message[UserPrefix.Length..], "D", out var userId))
        {
            return new AuthInvalidation(InvalidationTarget.User, null, userId.ToString("D"));
        }

        return default;
    }
}

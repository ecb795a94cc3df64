using Gateway.Contracts.Invalidation;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// What an invalidation made the <see cref="AuthCache"/> forget: one credential (revoked), every
/// credential of a user (plan changed, disabled), or everything (invalidations were missed).
/// </summary>
internal readonly record struct CacheInvalidation(InvalidationTarget Target, CredentialKey Credential, string? UserId)
{
    public static CacheInvalidation All { get; } = new(InvalidationTarget.All, default, null);
}

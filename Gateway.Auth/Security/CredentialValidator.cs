using Gateway.Auth.Data;
using Gateway.Auth.V1;
using Gateway.Contracts.Credentials;

namespace Gateway.Auth.Security;

/// <summary>The outcome of checking a credential: a principal, or the definitive reason there is none.</summary>
internal readonly record struct CredentialCheck(PrincipalRow? Principal, CredentialType Type, InvalidReason Reason)
{
    public bool IsValid => Principal is not null;

    public static CredentialCheck Invalid(CredentialType type, InvalidReason reason) => new(null, type, reason);
}

/// <summary>
/// Resolves access tokens and API keys. Shape errors are answered without touching the database;
/// database failures propagate (and become UNAVAILABLE), never "invalid".
/// </summary>
internal sealed class CredentialValidator(CredentialStore store, TimeProvider timeProvider)
{
    public async Task<CredentialCheck> CheckAsync(string credential, CancellationToken cancellationToken)
    {
        var type = CredentialFormat.Classify(credential);
        if (type == CredentialType.Unknown)
        {
            return CredentialCheck.Invalid(type, InvalidReason.Unknown);
        }

        var hash = Credentials.Hash(credential);
        var row = type == CredentialType.AccessToken
            ? await store.FindByAccessTokenAsync(hash, cancellationToken)
            : await store.FindByApiKeyAsync(hash, cancellationToken);

        if (row is null)
        {
            return CredentialCheck.Invalid(type, InvalidReason.Unknown);
        }

        if (row.RevokedAt is not null)
        {
            return CredentialCheck.Invalid(type, InvalidReason.Revoked);
        }

        if (row.ExpiresAt is { } expiresAt && expiresAt <= timeProvider.GetUtcNow().UtcDateTime)
        {
            return CredentialCheck.Invalid(type, InvalidReason.Expired);
        }

        return row.Disabled
            ? CredentialCheck.Invalid(type, InvalidReason.UserDisabled)
            : new CredentialCheck(row, type, InvalidReason.Unspecified);
    }
}

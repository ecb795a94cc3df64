using Gateway.Auth.Data;
using Gateway.Auth.V1;
using Gateway.Contracts.Credentials;

namespace Gateway.Auth.Security;

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

        var hash = CredentialFormat.Hash(credential);
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

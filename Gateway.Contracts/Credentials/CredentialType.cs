namespace Gateway.Contracts.Credentials;

/// <summary>What a credential is, by its shape alone (see <see cref="CredentialFormat.Classify"/>).</summary>
public enum CredentialType
{
    /// <summary>Not a credential the auth service issues: rejected without a lookup.</summary>
    Unknown,

    /// <summary><c>gw_at_</c> + 43 base64url characters: a session's access token.</summary>
    AccessToken,

    /// <summary><c>gw_key_</c> + 43 base64url characters: a long-lived API key.</summary>
    ApiKey,
}

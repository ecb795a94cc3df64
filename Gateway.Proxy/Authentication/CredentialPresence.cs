namespace Gateway.Proxy.Authentication;

/// <summary>What a request's credential headers hold.</summary>
internal enum CredentialPresence
{
    /// <summary>Neither <c>Authorization</c> nor <c>X-Api-Key</c>.</summary>
    None,

    /// <summary>One credential, possibly of the wrong shape (<see cref="CredentialReader.IsLookupCandidate"/> tells).</summary>
    Present,

    /// <summary>A credential header that cannot be read: not <c>Bearer &lt;token&gt;</c>, or several API keys.</summary>
    Malformed,
}

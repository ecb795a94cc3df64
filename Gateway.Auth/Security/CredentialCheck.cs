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

namespace Gateway.Proxy.Authentication;

internal enum AuthLookupStatus
{
    /// <summary>The auth service vouched for the credential.</summary>
    Valid,

    /// <summary>The auth service said definitively that the credential is not valid.</summary>
    Invalid,

    /// <summary>No definitive answer (service down, deadline, breaker open): never cached.</summary>
    Unavailable,

    /// <summary>Not asked: the lookup was refused by <see cref="LookupAdmission"/> (<see cref="AuthLookup.Refusal"/> says why).</summary>
    Refused,
}

namespace Gateway.Proxy.Authentication;

/// <summary>The answer about one credential.</summary>
internal readonly record struct AuthLookup(AuthLookupStatus Status, GatewayPrincipal? Principal, DateTimeOffset? ExpiresAt, TimeSpan RetryAfter)
{
    public static AuthLookup Invalid { get; } = new(AuthLookupStatus.Invalid, null, null, TimeSpan.Zero);

    public LookupRefusal Refusal { get; init; }

    /// <summary>False when the auth service was never asked (its breaker was open): the lookup cost it nothing.</summary>
    public bool Sent { get; init; } = true;

    public static AuthLookup Valid(GatewayPrincipal principal, DateTimeOffset? expiresAt) =>
        new(AuthLookupStatus.Valid, principal, expiresAt, TimeSpan.Zero);

    public static AuthLookup Unavailable(TimeSpan retryAfter) =>
        new(AuthLookupStatus.Unavailable, null, null, retryAfter);

    /// <summary>Unavailable without a call: the breaker is open.</summary>
    public static AuthLookup NotSent(TimeSpan retryAfter) => Unavailable(retryAfter) with { Sent = false };

    public static AuthLookup Refused(LookupRefusal refusal, TimeSpan retryAfter) =>
        new(AuthLookupStatus.Refused, null, null, retryAfter) { Refusal = refusal };
}

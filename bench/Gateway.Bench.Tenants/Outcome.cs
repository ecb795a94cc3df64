namespace Gateway.Bench.Tenants;

/// <summary>How a request was answered.</summary>
internal enum Outcome
{
    /// <summary>2xx.</summary>
    Admitted,

    /// <summary>429 with the rate limiter's <c>RateLimit-Policy</c> header.</summary>
    Limited,

    /// <summary>429 without it: the proxy refused to look the credential up (its lookup slots were busy).</summary>
    LookupRefused,

    /// <summary>503.</summary>
    Unavailable,

    /// <summary>401: the credential was rejected (a seeding error).</summary>
    Unauthorized,

    /// <summary>Any other status.</summary>
    OtherStatus,

    /// <summary>No answer: connection error, or still in flight when the grace period ended.</summary>
    Error,
}

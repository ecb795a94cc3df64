namespace Gateway.Proxy.Telemetry;

/// <summary>How a rate-limit decision was reached.</summary>
internal enum RateLimitOutcome
{
    /// <summary>Allowed by a Redis decision.</summary>
    Allowed,

    /// <summary>Allowed from a quota slice reserved earlier (batched mode, no round trip).</summary>
    AllowedFromSlice,

    /// <summary>Refused by a Redis decision.</summary>
    Rejected,

    /// <summary>Refused locally: Redis said earlier this key may not retry yet (no round trip).</summary>
    RejectedLocally,

    /// <summary>Redis unavailable, allowed by the fail mode (open, or within the local limit).</summary>
    DegradedAllowed,

    /// <summary>Redis unavailable, refused by the local fallback limit.</summary>
    DegradedRejected,

    /// <summary>Redis unavailable, refused with 503 (fail mode closed).</summary>
    Unavailable,

    /// <summary>Allowed on the replica's own count (approximate mode; synced with Redis in the background).</summary>
    AllowedLocally,
}

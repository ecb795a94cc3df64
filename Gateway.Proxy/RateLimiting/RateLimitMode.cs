namespace Gateway.Proxy.RateLimiting;

/// <summary>Per-request Redis decisions, or quota reserved in slices and spent locally.</summary>
internal enum RateLimitMode
{
    /// <summary>One Redis round trip per request: exact, never over the limit.</summary>
    Strict,

    /// <summary>
    /// Each replica reserves a slice of quota atomically (sized to its recent traffic on the key)
    /// and spends it locally until the window ends: still never over the limit, far fewer round
    /// trips, but a replica's unspent slice is lost (under-admission of at most
    /// replicas × (cap + cap ÷ 4 − 1) per window; docs/rate-limiting.md).
    /// </summary>
    Batched,

    /// <summary>
    /// Each replica admits locally against the shared count it last heard from Redis plus what it
    /// admitted since, and every <see cref="RateLimitingOptions.SyncInterval"/> adds its admissions
    /// of all keys to Redis in one script call, learning the others'. Cost per request does not
    /// depend on the number of keys (thousands of quiet tenants cost what one hot key does); a key
    /// may be over-admitted by what the other replicas admit in about one sync interval plus a
    /// Redis round trip (docs/rate-limiting.md; tested in ManyKeysAccuracyTests and RateLimitingTests).
    /// </summary>
    Approximate,
}

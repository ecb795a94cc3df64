using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.RateLimiting;

/// <summary>How a policy keys its counters.</summary>
internal enum PartitionBy
{
    /// <summary>Per authenticated user, limit from the user's plan; anonymous callers per client address.</summary>
    User,

    /// <summary>Per credential (API key or token), limit from the owner's plan; anonymous callers per client address.</summary>
    ApiKey,

    /// <summary>Per client address (socket, or X-Forwarded-For from a trusted proxy).</summary>
    ClientIp,
}

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

/// <summary>What to do when Redis cannot answer.</summary>
internal enum RateLimitFailMode
{
    /// <summary>Allow the request and count it as degraded.</summary>
    Open,

    /// <summary>Refuse with 503: for limits that protect something fragile.</summary>
    Closed,

    /// <summary>Apply an in-process limit of limit ÷ replicas per replica.</summary>
    Local,
}

/// <summary>Settings of the <c>Gateway:RateLimiting</c> section.</summary>
internal sealed class RateLimitingOptions
{
    public const string SectionName = "Gateway:RateLimiting";

    /// <summary>Default mode of policies that do not set one.</summary>
    public RateLimitMode Mode { get; set; } = RateLimitMode.Approximate;

    /// <summary>
    /// Approximate mode: how often a replica adds its local admissions to Redis and learns the
    /// other replicas' (one script call per tick for every key with traffic). Shorter is more
    /// exact and costs more calls when traffic is light; the over-admission bound grows with it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:01")]
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Approximate mode: most keys one script call carries (larger ticks are split).</summary>
    [Range(1, 10_000)]
    public int MaxKeysPerSync { get; set; } = 256;

    /// <summary>Proxy replicas sharing the limits (sizes the <see cref="RateLimitFailMode.Local"/> fallback).</summary>
    [Range(1, 1000)]
    public int Replicas { get; set; } = 1;

    /// <summary>
    /// Largest slice a replica reserves in batched mode: at 15,000 requests per second on one key,
    /// 1,000 means 15 Redis round trips per second (docs/performance.md shows what each costs).
    /// </summary>
    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 1000;

    /// <summary>
    /// Batched mode caps slices at limit ÷ (replicas × this), at most <see cref="MaxBatchSize"/>,
    /// so a replica never holds more than a small share of a window's quota.
    /// </summary>
    [Range(1, 1000)]
    public int BatchDivisor { get; set; } = 10;

    /// <summary>
    /// Batched mode sizes each slice to about this much of the key's recent traffic on this replica
    /// (within the cap): a hot key asks Redis about 1 ÷ this times per second, a quiet key reserves
    /// only what it is about to use, so little quota is held back when a window ends.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan SliceTarget { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Longest a Redis decision may take before the fail mode applies. A Redis that is down fails
    /// at once (connection refused, fail-fast backlog) and opens the breaker; this bound is for a
    /// Redis that hangs, and is generous because a saturated 2-core host can delay a healthy
    /// answer by a few hundred milliseconds, and a fail mode admits beyond the global limit.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long Redis is not asked after it failed repeatedly (circuit breaker).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Policy applied, on top of any route policy, to every request whose credential was rejected
    /// (malformed, unknown, expired, revoked), whatever its endpoint: token guessing is throttled per
    /// client address even where a route has no limit of its own or the response tells a valid
    /// credential from an invalid one (401 vs 403). Empty disables it.
    /// </summary>
    public string FailedCredentialPolicy { get; set; } = string.Empty;

    /// <summary>Named policies, referenced by routes through <c>RateLimiterPolicy</c>.</summary>
    public Dictionary<string, RateLimitPolicyOptions> Policies { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class RateLimitPolicyOptions
{
    public PartitionBy Partition { get; set; } = PartitionBy.User;

    /// <summary>Overrides the mode of <see cref="RateLimitingOptions.Mode"/>.</summary>
    public RateLimitMode? Mode { get; set; }

    public RateLimitFailMode FailMode { get; set; } = RateLimitFailMode.Local;

    /// <summary>
    /// Fixed limit (route override). For <see cref="PartitionBy.User"/>/<see cref="PartitionBy.ApiKey"/>
    /// policies, unset means "the caller's plan decides".
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? Limit { get; set; }

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;

    /// <summary>Limit for anonymous callers of a user/key policy, per client address.</summary>
    [Range(1, int.MaxValue)]
    public int AnonymousLimit { get; set; } = 60;
}

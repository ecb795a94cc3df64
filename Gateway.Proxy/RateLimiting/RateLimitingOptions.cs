using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.RateLimiting;

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

    /// <summary>Approximate mode on a Redis Cluster: one sync call per primary (default) or per slot.</summary>
    public RateLimitSyncGrouping SyncGrouping { get; set; } = RateLimitSyncGrouping.Node;

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

using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.Authentication;

/// <summary>Settings of the <c>Gateway:AuthCache</c> section: the proxy's local memory of auth answers.</summary>
internal sealed class AuthCacheOptions
{
    public const string SectionName = "Gateway:AuthCache";

    /// <summary>Longest a positive answer is reused (never past the token's own expiry).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PositiveTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Each positive answer lives a random share of up to this much shorter than
    /// <see cref="PositiveTtl"/> (never longer: the revocation bound stays the TTL). Without it the
    /// answers cached together expire together: on bench/tenants.sh the keys learned in a proxy's
    /// first minutes came due five minutes later as one wave of lookups on top of the load, the
    /// auth service fell behind, the breakers opened and one row answered 17,203 requests 503.
    /// </summary>
    [Range(0.0, 0.9)]
    public double PositiveTtlJitter { get; set; } = 0.2;

    /// <summary>
    /// Share of an entry's life, at its end, in which a request served from it also has it
    /// revalidated in the background (once): a credential used at least once in that window never
    /// makes a request wait for the auth service. 0 turns refresh-ahead off.
    /// </summary>
    [Range(0.0, 0.5)]
    public double RefreshAhead { get; set; } = 0.2;

    /// <summary>
    /// Positive TTL while the Redis invalidation subscription is down: revocations could be missed,
    /// so answers are re-checked this often until it is back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan DegradedTtl { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often each replica reads the number of the last invalidation from Redis, to find out
    /// one it missed (see <see cref="InvalidationSubscriber"/>). One small GET per interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan SequenceCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// With nothing confirming the invalidation numbering for this long (Redis unreachable), answers
    /// live only <see cref="DegradedTtl"/> until it is confirmed again. Must exceed
    /// <see cref="SequenceCheckInterval"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan SequenceSilenceLimit { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a definitive "invalid" answer is reused.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1, 10_000_000)]
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>Approximate memory budget of positive entries.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Bound of the negative cache, kept apart so floods of bad tokens cannot evict good ones; when
    /// full, the oldest entry makes room. Read at start-up.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxNegativeEntries { get; set; } = 10_000;
}

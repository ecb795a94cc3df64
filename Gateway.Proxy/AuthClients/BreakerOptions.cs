using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.AuthClients;

/// <summary>Circuit breaker around <c>ValidateToken</c>.</summary>
internal sealed class BreakerOptions
{
    /// <summary>Open when at least this share of calls in the sampling window failed...</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>
    /// ...and at least this many calls were made in it. Twenty, not a handful: a burst of first
    /// requests after a deploy sends dozens of misses at once, and a few late answers among them
    /// must not shut every uncached caller out for a break duration.
    /// </summary>
    [Range(2, 100_000)]
    public int MinimumThroughput { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long calls fail fast before a half-open probe is let through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}

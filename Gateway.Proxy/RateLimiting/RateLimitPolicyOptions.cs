using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.RateLimiting;

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

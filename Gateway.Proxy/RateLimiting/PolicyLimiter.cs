using System.Threading.RateLimiting;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// The one limiter ASP.NET's rate limiting middleware holds for a policy: it decides each request
/// with the limiter of the request's own partition, which the policy's partition callback
/// (<see cref="RateLimitPartitioner.Partition"/>) chose and handed over through
/// <see cref="LimitedRequest"/> on the same thread just before.
/// </summary>
internal sealed class PolicyLimiter : RateLimiter
{
    public static readonly PolicyLimiter Instance = new();

    private PolicyLimiter()
    {
    }

    /// <summary>Never idle: ASP.NET's heartbeat must not dispose it (the partitions' own idleness is <see cref="PartitionLimiters"/>' business).</summary>
    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => LimitedRequest.TakeLimiter().AttemptAcquire(permitCount);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        LimitedRequest.TakeLimiter().AcquireAsync(permitCount, cancellationToken);
}

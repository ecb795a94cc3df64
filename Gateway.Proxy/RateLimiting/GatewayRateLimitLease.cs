using System.Threading.RateLimiting;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Leases of <see cref="DistributedRateLimiter"/>. An acquired lease carries nothing (one shared
/// instance: the allowed path allocates no lease); a rejection carries what the 429/503 needs.
/// </summary>
internal sealed class GatewayRateLimitLease : RateLimitLease
{
    public static readonly GatewayRateLimitLease Acquired = new(true, TimeSpan.Zero, unavailable: false, limiter: null);

    private static readonly string[] RejectedMetadata = [MetadataName.RetryAfter.Name];

    private GatewayRateLimitLease(bool acquired, TimeSpan retryAfter, bool unavailable, DistributedRateLimiter? limiter)
    {
        IsAcquired = acquired;
        RetryAfter = retryAfter;
        Unavailable = unavailable;
        Limiter = limiter;
    }

    public override bool IsAcquired { get; }

    public TimeSpan RetryAfter { get; }

    /// <summary>Refused because the limit could not be checked (fail mode <c>closed</c>): a 503, not a 429.</summary>
    public bool Unavailable { get; }

    /// <summary>The limiter that refused, for the rate-limit headers.</summary>
    public DistributedRateLimiter? Limiter { get; }

    public override IEnumerable<string> MetadataNames => IsAcquired ? [] : RejectedMetadata;

    public static GatewayRateLimitLease Rejected(DistributedRateLimiter limiter, TimeSpan retryAfter) => new(false, retryAfter, unavailable: false, limiter);

    public static GatewayRateLimitLease RejectedUnavailable(DistributedRateLimiter limiter, TimeSpan retryAfter) => new(false, retryAfter, unavailable: true, limiter);

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (!IsAcquired && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = RetryAfter;
            return true;
        }

        metadata = null;
        return false;
    }
}

using System.Threading.RateLimiting;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Leases of <see cref="DistributedRateLimiter"/>. An acquired lease carries nothing (one shared
/// instance: the allowed path allocates no lease); a rejection carries what the 429/503 needs; an
/// acquired lease of a refundable budget (<see cref="RateLimitSpec.Refundable"/>) can give its
/// permit back (<see cref="Refund"/>).
/// </summary>
internal sealed class GatewayRateLimitLease : RateLimitLease
{
    public static readonly GatewayRateLimitLease Acquired = new(true, TimeSpan.Zero, unavailable: false, limiter: null);

    private long _refundableUntil;

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

    /// <summary>A permit of <paramref name="limiter"/> that may be given back while its window lasts (timestamp <paramref name="windowEnd"/>).</summary>
    public static GatewayRateLimitLease AcquiredRefundable(DistributedRateLimiter limiter, long windowEnd) =>
        new(true, TimeSpan.Zero, unavailable: false, limiter) { _refundableUntil = windowEnd };

    /// <summary>
    /// Gives the permit back to its limiter (once): the request it was taken for turned out not to
    /// count (the credential it was reserved for was valid). No effect on other leases.
    /// </summary>
    public void Refund()
    {
        if (IsAcquired && Limiter is { } limiter && Interlocked.Exchange(ref _refundableUntil, 0) is var until and > 0)
        {
            limiter.Refund(until);
        }
    }

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

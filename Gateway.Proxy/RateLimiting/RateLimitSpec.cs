namespace Gateway.Proxy.RateLimiting;

/// <summary>What one partition of a policy is limited to.</summary>
/// <remarks>
/// Batched mode: <see cref="SliceCap"/> is the largest slice sized from traffic (limit ÷ (replicas ×
/// divisor), at most <see cref="MaxBatchSize"/>); <see cref="SliceTarget"/> how much of the key's
/// recent traffic a slice should cover; requests already waiting may ask for up to
/// <see cref="MaxBatchSize"/>.
/// </remarks>
internal sealed record RateLimitSpec(
    string Policy, string Key, int Limit, int WindowSeconds, RateLimitMode Mode, int SliceCap, int MaxBatchSize, RateLimitFailMode FailMode, int Replicas)
{
    public TimeSpan SliceTarget { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A budget whose permits are taken before it is known whether they count, and given back when
    /// they do not (<see cref="GatewayRateLimitLease.Refund"/>): the failed-credential budget, taken
    /// before a credential is looked up and given back when it proves valid. Its allowed requests
    /// carry no <c>RateLimit</c> headers (they are not what the caller's route limits).
    /// </summary>
    public bool Refundable { get; init; }
}

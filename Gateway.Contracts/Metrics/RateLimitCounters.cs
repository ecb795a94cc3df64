namespace Gateway.Contracts.Metrics;

public sealed record RateLimitCounters
{
    public long Allowed { get; init; }

    public long Rejected { get; init; }

    public long DegradedAllowed { get; init; }

    public long DegradedRejected { get; init; }

    public long Unavailable { get; init; }

    public long RedisCalls { get; init; }

    public BreakerState BreakerState { get; init; }
}

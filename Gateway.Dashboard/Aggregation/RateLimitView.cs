namespace Gateway.Dashboard.Aggregation;

public sealed record RateLimitView
{
    public required double AllowedPerSecond { get; init; }

    public required double RejectedPerSecond { get; init; }

    public required double DegradedPerSecond { get; init; }

    public required long Rejected { get; init; }

    public required long Degraded { get; init; }

    /// <summary>Redis round trips per rate-limit decision (recent window); null without decisions.</summary>
    public required double? RedisCallsPerDecision { get; init; }
}

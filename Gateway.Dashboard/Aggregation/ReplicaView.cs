using Gateway.Contracts.Metrics;

namespace Gateway.Dashboard.Aggregation;

public sealed record ReplicaView
{
    public required string Name { get; init; }

    /// <summary><see cref="ReplicaStatus.Gone"/> once it stopped cleanly or missed several snapshots.</summary>
    public required ReplicaStatus State { get; init; }

    public required string Detail { get; init; }

    public required double SecondsSinceLastSnapshot { get; init; }

    public required double RequestsPerSecond { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required BreakerState AuthBreaker { get; init; }

    public required BreakerState RateLimitBreaker { get; init; }
}

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

    /// <summary>The runtime configuration version it serves; 0 while it serves its configuration file.</summary>
    public required long ConfigVersion { get; init; }

    /// <summary>A newer version it refused to apply (it keeps serving <see cref="ConfigVersion"/>); 0 when none.</summary>
    public required long RejectedConfigVersion { get; init; }

    /// <summary>Why it refused <see cref="RejectedConfigVersion"/> (the replica's validation messages, shortened); null when it refused none.</summary>
    public required string? ConfigError { get; init; }
}

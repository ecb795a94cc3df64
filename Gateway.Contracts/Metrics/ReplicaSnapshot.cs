namespace Gateway.Contracts.Metrics;

/// <summary>
/// What one proxy replica publishes about itself, about once a second, on
/// <see cref="Channel"/>. Every count is cumulative since the replica's process started
/// (<see cref="Instance"/> changes on restart), so a lost message loses no traffic and the
/// aggregator computes rates from deltas.
/// </summary>
public sealed record ReplicaSnapshot
{
    /// <summary>The Redis pub/sub channel snapshots are published on.</summary>
    public const string Channel = "gw:metrics:snapshots";

    /// <summary>Stable replica name (the Aspire resource id, e.g. <c>proxy-x2kd9f1b</c>).</summary>
    public required string Replica { get; init; }

    /// <summary>Unique per process start: a new value means the replica restarted and its counts began again at zero.</summary>
    public required string Instance { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required long Sequence { get; init; }

    /// <summary>How often the replica publishes; the aggregator declares it gone after a few missed periods.</summary>
    public required TimeSpan Interval { get; init; }

    /// <summary>Set on the last snapshot of a replica that is shutting down cleanly.</summary>
    public bool Stopping { get; init; }

    /// <summary>The runtime configuration version this replica serves; 0 while it serves its configuration file (no stored version reached it).</summary>
    public long ConfigVersion { get; init; }

    /// <summary>A newer version this replica refused to apply (it keeps serving <see cref="ConfigVersion"/>); 0 when none.</summary>
    public long RejectedConfigVersion { get; init; }

    /// <summary>Why <see cref="RejectedConfigVersion"/> was refused (validation messages, shortened).</summary>
    public string? ConfigError { get; init; }

    public required IReadOnlyList<RouteCounters> Routes { get; init; }

    public required AuthCounters Auth { get; init; }

    public required RateLimitCounters RateLimit { get; init; }

    public required IReadOnlyList<DestinationHealth> Destinations { get; init; }
}

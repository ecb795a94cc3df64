namespace Gateway.Contracts.Metrics;

/// <summary>Cumulative counts for one route.</summary>
public sealed record RouteCounters
{
    public required string Route { get; init; }

    public required long Requests { get; init; }

    /// <summary>Counts indexed by <see cref="StatusKind"/>; a 429 counts in both 4xx and 429.</summary>
    public required long[] Status { get; init; }

    /// <summary>Request durations, in the bucket layout of <see cref="LatencyBuckets"/>.</summary>
    public required long[] Latency { get; init; }

    public static int StatusKinds => Enum.GetValues<StatusKind>().Length;
}

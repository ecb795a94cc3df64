namespace Gateway.Dashboard.Aggregation;

/// <summary>
/// What every viewer sees, once per second: the whole gateway (all replicas together). Rates are
/// per second over the last few seconds; totals count since this dashboard started watching.
/// Carries no secrets: counts, route ids, replica names, health states, configuration version
/// numbers with their authors and summaries, and a replica's reason for refusing a version.
/// </summary>
public sealed record DashboardFrame
{
    public required long Sequence { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required TrafficView Traffic { get; init; }

    public required LatencyView Latency { get; init; }

    public required AuthView Auth { get; init; }

    public required RateLimitView RateLimit { get; init; }

    public required IReadOnlyList<ReplicaView> Replicas { get; init; }

    public required IReadOnlyList<ServiceView> Services { get; init; }

    public required IReadOnlyList<RouteView> Routes { get; init; }

    public required ConfigView Config { get; init; }
}

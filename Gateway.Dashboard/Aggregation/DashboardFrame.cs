using Gateway.Contracts.Metrics;

namespace Gateway.Dashboard.Aggregation;

/// <summary>
/// What every viewer sees, once per second: the whole gateway (all replicas together). Rates are
/// per second over the last few seconds; totals count since this dashboard started watching.
/// Carries no secrets: counts, route ids, replica names and health states only.
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
}

/// <summary>Counts by outcome: per second now, and in total.</summary>
public sealed record TrafficView
{
    public required double RequestsPerSecond { get; init; }

    public required long Requests { get; init; }

    /// <summary>Per-second rates keyed by outcome (<c>2xx</c>, <c>4xx</c>, <c>401</c>, <c>429</c>...).</summary>
    public required IReadOnlyDictionary<string, double> Rates { get; init; }

    /// <summary>Totals keyed like <see cref="Rates"/>.</summary>
    public required IReadOnlyDictionary<string, long> Totals { get; init; }
}

/// <summary>Latency percentiles in milliseconds over the last few seconds; null without traffic.</summary>
public sealed record LatencyView(double? P50, double? P95, double? P99);

public sealed record AuthView
{
    /// <summary>
    /// Share of credential lookups answered by a cached valid credential, over the totals below
    /// (<see cref="CacheHits"/> ÷ hits + negative hits + misses); null before any lookup.
    /// </summary>
    public required double? CacheHitRatio { get; init; }

    public required long CacheHits { get; init; }

    /// <summary>Lookups answered by a cached refusal (a credential known to be invalid).</summary>
    public required long CacheNegativeHits { get; init; }

    public required long CacheMisses { get; init; }

    public required long ServiceErrors { get; init; }

    /// <summary>Cache misses refused without an auth call (a client over its failed-credential budget, lookup slots busy), per second.</summary>
    public required double LookupsRefusedPerSecond { get; init; }

    public required long LookupsRefused { get; init; }

    /// <summary>Cache misses at the auth service right now, over all live replicas.</summary>
    public required int LookupsInFlight { get; init; }

    /// <summary>Logins refused for repeated failures (the auth service's throttle).</summary>
    public required long LoginsThrottled { get; init; }
}

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

public sealed record ReplicaView
{
    public required string Name { get; init; }

    /// <summary><c>live</c>, or <c>gone</c> once it stopped cleanly or missed several snapshots.</summary>
    public required string State { get; init; }

    public required string Detail { get; init; }

    public required double SecondsSinceLastSnapshot { get; init; }

    public required double RequestsPerSecond { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required BreakerState AuthBreaker { get; init; }

    public required BreakerState RateLimitBreaker { get; init; }
}

/// <summary>A service's health: <c>healthy</c>, <c>degraded</c>, <c>unhealthy</c> or <c>unknown</c>.</summary>
public sealed record ServiceView(string Name, string Status, string Detail);

public sealed record RouteView
{
    public required string Route { get; init; }

    public required double RequestsPerSecond { get; init; }

    public required long Requests { get; init; }

    public required long ClientErrors { get; init; }

    public required long ServerErrors { get; init; }

    public required long Unauthorized { get; init; }

    public required long RateLimited { get; init; }

    public required double? P50 { get; init; }

    public required double? P99 { get; init; }
}

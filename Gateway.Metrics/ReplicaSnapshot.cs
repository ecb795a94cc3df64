using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Metrics;

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

    public required IReadOnlyList<RouteCounters> Routes { get; init; }

    public required AuthCounters Auth { get; init; }

    public required RateLimitCounters RateLimit { get; init; }

    public required IReadOnlyList<DestinationHealth> Destinations { get; init; }
}

/// <summary>The outcome classes counted per route (the index into <see cref="RouteCounters.Status"/>).</summary>
public enum StatusKind
{
    Success2xx,
    Redirect3xx,
    ClientError4xx,
    ServerError5xx,
    Unauthorized401,
    Forbidden403,
    TooManyRequests429,
    Unavailable503,
}

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

public sealed record AuthCounters
{
    public long CacheHits { get; init; }

    public long CacheNegativeHits { get; init; }

    public long CacheMisses { get; init; }

    public long ServiceCalls { get; init; }

    public long ServiceErrors { get; init; }

    /// <summary>Cache misses answered without asking the auth service (failed-credential budget spent, lookup slots busy).</summary>
    public long LookupsRefused { get; init; }

    /// <summary>Cache misses being validated right now (a gauge, not a count).</summary>
    public int LookupsInFlight { get; init; }

    /// <summary>Logins the auth service refused for repeated failures, as relayed by this replica.</summary>
    public long LoginsThrottled { get; init; }

    /// <summary><c>closed</c>, <c>open</c> or <c>half-open</c>.</summary>
    public string BreakerState { get; init; } = "closed";
}

public sealed record RateLimitCounters
{
    public long Allowed { get; init; }

    public long Rejected { get; init; }

    public long DegradedAllowed { get; init; }

    public long DegradedRejected { get; init; }

    public long Unavailable { get; init; }

    public long RedisCalls { get; init; }

    public string BreakerState { get; init; } = "closed";
}

/// <summary>A backend destination as this replica's health checks see it.</summary>
public sealed record DestinationHealth(string Cluster, string Destination, string Health);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReplicaSnapshot))]
public sealed partial class SnapshotJsonContext : JsonSerializerContext;

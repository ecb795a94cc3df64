namespace Gateway.Contracts.Metrics;

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

    public BreakerState BreakerState { get; init; }
}

namespace Gateway.Dashboard.Aggregation;

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

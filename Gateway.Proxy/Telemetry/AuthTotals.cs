using Gateway.Contracts.Metrics;

namespace Gateway.Proxy.Telemetry;

/// <summary>This replica's authentication counts since it started (see <see cref="ProxyMetrics.ReadAuthCounters"/>).</summary>
internal readonly record struct AuthTotals(
    long CacheHits,
    long CacheNegativeHits,
    long CacheMisses,
    long CacheEvictions,
    long CacheRefreshes,
    long AuthServiceCalls,
    long AuthServiceErrors,
    BreakerState BreakerState,
    long LookupsRefusedOverBudget,
    long LookupsRefusedClientBusy,
    long LookupsRefusedBusy,
    long Logins,
    long LoginsThrottled);

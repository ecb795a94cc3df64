using Gateway.Contracts.Metrics;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.WebSockets;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// <c>GET /gateway/diagnostics</c>: this replica's auth cache and breaker state, for operators
/// (the <c>admin</c> policy), in the spirit of Envoy's admin stats.
/// </summary>
internal static class DiagnosticsApi
{
    public const string Path = "/gateway/diagnostics";

    public static IEndpointRouteBuilder MapDiagnosticsApi(this IEndpointRouteBuilder app, string policy)
    {
        app.MapGet(Path, (AuthCache cache, LookupAdmission lookups, ProxyMetrics metrics, RuntimeConfig.RuntimeConfigState config) =>
        {
            var counters = metrics.ReadAuthCounters();
            return TypedResults.Ok(new Diagnostics(
                Environment.MachineName + ":" + Environment.ProcessId,
                new AuthCacheDiagnostics(
                    cache.Count, cache.ApproximateBytes, cache.NegativeCount, cache.InvalidationsLive,
                    counters.CacheHits, counters.CacheNegativeHits, counters.CacheMisses, counters.CacheEvictions, counters.CacheRefreshes),
                new AuthServiceDiagnostics(
                    counters.AuthServiceCalls, counters.AuthServiceErrors, counters.BreakerState, lookups.InFlight,
                    counters.LookupsRefusedOverBudget, counters.LookupsRefusedClientBusy, counters.LookupsRefusedBusy),
                new AccountsDiagnostics(counters.Logins, counters.LoginsThrottled),
                RateLimiting(metrics.ReadRateLimitCounters()),
                WebSockets(metrics.ReadWebSocketCounters()),
                new ConfigDiagnostics(config.Current?.Version ?? 0, config.Current?.Info.Author ?? string.Empty, config.Rejected?.Version, config.Rejected?.Error)));
        }).RequireAuthorization(policy).WithMetadata(GatewayEndpointRoute.Diagnostics);

        return app;
    }

    private static RateLimitDiagnostics RateLimiting(RateLimitTotals totals) => new(
        Enum.GetValues<RateLimitOutcome>().ToDictionary(ProxyMetrics.NameOf, outcome => totals[outcome]),
        totals.RedisCalls,
        totals.BreakerState);

    private static WebSocketDiagnostics WebSockets(WebSocketTotals totals) => new(
        totals.Opened,
        totals.Open,
        Enum.GetValues<WebSocketCloseCause>().ToDictionary(ProxyMetrics.NameOf, cause => totals[cause]));

    internal sealed record Diagnostics(
        string Replica, AuthCacheDiagnostics AuthCache, AuthServiceDiagnostics AuthService, AccountsDiagnostics Accounts, RateLimitDiagnostics RateLimiting,
        WebSocketDiagnostics WebSockets, ConfigDiagnostics Config);

    /// <summary>The runtime configuration version served, and a newer one refused (RuntimeConfig/).</summary>
    internal sealed record ConfigDiagnostics(long Version, string Author, long? RejectedVersion, string? RejectedBecause);

    internal sealed record AuthCacheDiagnostics(
        int Entries, long ApproximateBytes, int NegativeEntries, bool InvalidationsLive, long Hits, long NegativeHits, long Misses, long Evictions, long Refreshes);

    /// <summary>
    /// <c>ValidateToken</c> calls, and the cache misses answered without one: over the client's
    /// failed-credential budget (429), the client's or the replica's lookup slots busy (429, 503).
    /// </summary>
    internal sealed record AuthServiceDiagnostics(
        long ValidateCalls, long Errors, BreakerState BreakerState, int LookupsInFlight,
        long LookupsRefusedOverBudget, long LookupsRefusedClientBusy, long LookupsRefusedBusy);

    /// <summary>Logins relayed to the auth service, and those it refused for repeated failures (429).</summary>
    internal sealed record AccountsDiagnostics(long Logins, long LoginsThrottled);

    /// <summary>WebSocket sessions accepted, open now, and ended by reason name (<c>credential_revoked</c>, ...).</summary>
    internal sealed record WebSocketDiagnostics(long Opened, long Open, IReadOnlyDictionary<string, long> Closed);

    /// <summary>Decisions by outcome name (every outcome is one decision), Redis round trips, the Redis breaker.</summary>
    internal sealed record RateLimitDiagnostics(IReadOnlyDictionary<string, long> Decisions, long RedisCalls, BreakerState BreakerState);
}

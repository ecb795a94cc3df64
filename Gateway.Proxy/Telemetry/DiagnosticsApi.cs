using Gateway.Proxy.Authentication;

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
        app.MapGet(Path, (AuthCache cache, ProxyMetrics metrics) =>
        {
            var counters = metrics.ReadAuthCounters();
            return TypedResults.Ok(new Diagnostics(
                Environment.MachineName + ":" + Environment.ProcessId,
                new AuthCacheDiagnostics(
                    cache.Count, cache.ApproximateBytes, cache.NegativeCount, cache.InvalidationsLive,
                    counters.CacheHits, counters.CacheNegativeHits, counters.CacheMisses, counters.CacheEvictions),
                new AuthServiceDiagnostics(counters.AuthServiceCalls, counters.AuthServiceErrors, counters.BreakerState),
                metrics.ReadRateLimitCounters()));
        }).RequireAuthorization(policy);

        return app;
    }

    internal sealed record Diagnostics(string Replica, AuthCacheDiagnostics AuthCache, AuthServiceDiagnostics AuthService, ProxyMetrics.RateLimitCounters RateLimiting);

    internal sealed record AuthCacheDiagnostics(
        int Entries, long ApproximateBytes, int NegativeEntries, bool InvalidationsLive, long Hits, long NegativeHits, long Misses, long Evictions);

    internal sealed record AuthServiceDiagnostics(long ValidateCalls, long Errors, string BreakerState);
}

using System.Diagnostics;
using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace Gateway.Proxy.Telemetry;

/// <summary>How a rate-limit decision was reached.</summary>
internal enum RateLimitOutcome
{
    /// <summary>Allowed by a Redis decision.</summary>
    Allowed,

    /// <summary>Allowed from a quota slice reserved earlier (batched mode, no round trip).</summary>
    AllowedFromSlice,

    /// <summary>Refused by a Redis decision.</summary>
    Rejected,

    /// <summary>Refused locally: Redis said earlier this key may not retry yet (no round trip).</summary>
    RejectedLocally,

    /// <summary>Redis unavailable, allowed by the fail mode (open, or within the local limit).</summary>
    DegradedAllowed,

    /// <summary>Redis unavailable, refused by the local fallback limit.</summary>
    DegradedRejected,

    /// <summary>Redis unavailable, refused with 503 (fail mode closed).</summary>
    Unavailable,

    /// <summary>Allowed on the replica's own count (approximate mode; synced with Redis in the background).</summary>
    AllowedLocally,
}

/// <summary>
/// The proxy's instruments (meter <c>Gateway.Proxy</c>, exported by OpenTelemetry) plus plain
/// atomic totals for the operator diagnostics endpoint. Everything on the request path is an
/// Interlocked add or a <see cref="Counter{T}"/>/<see cref="Histogram{T}"/> record: no locks.
/// </summary>
internal sealed class ProxyMetrics
{
    public const string MeterName = "Gateway.Proxy";

    public const string RouteTag = "route";
    public const string StatusCodeTag = "status_code";

    private readonly Histogram<double> _duration;
    private readonly Counter<long> _authCacheLookups;
    private readonly Counter<long> _authCacheEvictions;
    private readonly Counter<long> _authCacheRefreshes;
    private readonly Counter<long> _authServiceCalls;
    private readonly Counter<long> _authServiceErrors;
    private readonly Counter<long> _lookupsRefused;
    private readonly Counter<long> _loginsThrottled;

    private static readonly string[] RefusalNames = ["none", "over_budget", "client_busy", "busy"];
    private readonly long[] _refusals = new long[RefusalNames.Length];
    private long _logins;
    private long _loginsThrottledTotal;

    // Boxed once: a TagList value is an object, and boxing the status code per request would allocate.
    private static readonly object[] BoxedStatusCodes = Enumerable.Range(0, 600).Select(code => (object)code).ToArray();

    private static readonly string[] OutcomeNames =
        ["allowed", "allowed_from_slice", "rejected", "rejected_locally", "degraded_allowed", "degraded_rejected", "unavailable", "allowed_locally"];

    private readonly Counter<long> _rateLimitDecisions;
    private readonly Counter<long> _rateLimitRedisCalls;
    private readonly long[] _outcomes = new long[OutcomeNames.Length];
    private long _redisCalls;
    private int _rateLimitBreakerState;

    private long _cacheHits;
    private long _cacheNegativeHits;
    private long _cacheMisses;
    private long _cacheEvictions;
    private long _cacheRefreshes;
    private long _authCalls;
    private long _authErrors;
    private int _breakerState;

    public ProxyMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        // One instrument per request, not a counter plus a histogram: the histogram's count is the
        // request count, so each request costs one recording.
        _duration = meter.CreateHistogram<double>(
            "gateway.proxy.request.duration", "s", "Time from the first byte in to the response, by route and status code.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _authCacheLookups = meter.CreateCounter<long>("gateway.proxy.auth_cache.lookups", "{lookup}", "Auth cache lookups by result (hit, negative_hit, miss).");
        _authCacheEvictions = meter.CreateCounter<long>("gateway.proxy.auth_cache.evictions", "{entry}", "Positive entries evicted to stay within bounds.");
        _authCacheRefreshes = meter.CreateCounter<long>(
            "gateway.proxy.auth_cache.refreshes", "{lookup}", "Cached credentials revalidated in the background before they expired (refresh-ahead).");
        _authServiceCalls = meter.CreateCounter<long>("gateway.proxy.auth_service.calls", "{call}", "ValidateToken calls made to the auth service.");
        _authServiceErrors = meter.CreateCounter<long>("gateway.proxy.auth_service.errors", "{call}", "ValidateToken calls that gave no definitive answer, by reason.");
        _lookupsRefused = meter.CreateCounter<long>(
            "gateway.proxy.auth_service.lookups_refused", "{request}",
            "Cache misses not sent to the auth service, by reason: over_budget (the client's failed-credential budget is spent, 429), client_busy (429), busy (503).");
        _loginsThrottled = meter.CreateCounter<long>(
            "gateway.proxy.accounts.logins_throttled", "{request}", "Logins the auth service refused because of repeated failures (429).");
        meter.CreateObservableGauge("gateway.proxy.auth_breaker.state", () => Volatile.Read(ref _breakerState), description: "Auth service circuit breaker: 0 closed, 1 open, 2 half-open.");
        _rateLimitDecisions = meter.CreateCounter<long>("gateway.proxy.rate_limit.decisions", "{decision}", "Rate-limit decisions by policy and outcome.");
        _rateLimitRedisCalls = meter.CreateCounter<long>("gateway.proxy.rate_limit.redis_calls", "{call}", "Redis round trips made for rate limiting.");
        meter.CreateObservableGauge("gateway.proxy.rate_limit_breaker.state", () => Volatile.Read(ref _rateLimitBreakerState), description: "Redis rate-limit circuit breaker: 0 closed, 1 open, 2 half-open.");
        Meter = meter;
    }

    /// <summary>The proxy's meter, for components that register observable gauges of their own (auth cache, lookups, rate-limit partitions).</summary>
    public Meter Meter { get; }

    /// <summary>The per-request instrument (the dashboard's per-route table listens to it).</summary>
    public Instrument RequestDuration => _duration;

    public void RequestCompleted(string route, int statusCode, double seconds)
    {
        var status = (uint)statusCode < (uint)BoxedStatusCodes.Length ? BoxedStatusCodes[statusCode] : statusCode;
        _duration.Record(seconds, new KeyValuePair<string, object?>(RouteTag, route), new KeyValuePair<string, object?>(StatusCodeTag, status));
    }

    public void AuthCacheHit()
    {
        Interlocked.Increment(ref _cacheHits);
        _authCacheLookups.Add(1, new KeyValuePair<string, object?>("result", "hit"));
    }

    public void AuthCacheNegativeHit()
    {
        Interlocked.Increment(ref _cacheNegativeHits);
        _authCacheLookups.Add(1, new KeyValuePair<string, object?>("result", "negative_hit"));
    }

    public void AuthCacheMiss()
    {
        Interlocked.Increment(ref _cacheMisses);
        _authCacheLookups.Add(1, new KeyValuePair<string, object?>("result", "miss"));
    }

    public void AuthCacheEviction()
    {
        Interlocked.Increment(ref _cacheEvictions);
        _authCacheEvictions.Add(1);
    }

    public void AuthCacheRefresh()
    {
        Interlocked.Increment(ref _cacheRefreshes);
        _authCacheRefreshes.Add(1);
    }

    public void AuthServiceCall()
    {
        Interlocked.Increment(ref _authCalls);
        _authServiceCalls.Add(1);
    }

    public void AuthValidationError(string reason)
    {
        Interlocked.Increment(ref _authErrors);
        _authServiceErrors.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>A cache miss that was answered without asking the auth service.</summary>
    public void CredentialLookupRefused(Authentication.LookupRefusal refusal)
    {
        Interlocked.Increment(ref _refusals[(int)refusal]);
        _lookupsRefused.Add(1, new KeyValuePair<string, object?>("reason", RefusalNames[(int)refusal]));
    }

    /// <summary>A login relayed to the auth service; <paramref name="throttled"/> when it refused it for repeated failures.</summary>
    public void LoginRelayed(bool throttled)
    {
        Interlocked.Increment(ref _logins);
        if (throttled)
        {
            Interlocked.Increment(ref _loginsThrottledTotal);
            _loginsThrottled.Add(1);
        }
    }

    public void RateLimitDecision(string policy, RateLimitOutcome outcome)
    {
        Interlocked.Increment(ref _outcomes[(int)outcome]);
        _rateLimitDecisions.Add(1, new KeyValuePair<string, object?>("policy", policy), new KeyValuePair<string, object?>("outcome", OutcomeNames[(int)outcome]));
    }

    public void RateLimitRedisCall()
    {
        Interlocked.Increment(ref _redisCalls);
        _rateLimitRedisCalls.Add(1);
    }

    public void SetRateLimitBreakerState(CircuitState state) => Volatile.Write(ref _rateLimitBreakerState, ToGauge(state));

    public RateLimitCounters ReadRateLimitCounters() => new(
        OutcomeNames.Select((name, i) => (name, Interlocked.Read(ref _outcomes[i]))).ToDictionary(p => p.name, p => p.Item2),
        Interlocked.Read(ref _redisCalls),
        Volatile.Read(ref _rateLimitBreakerState) switch { 1 => "open", 2 => "half-open", _ => "closed" });

    private static int ToGauge(CircuitState state) => state switch
    {
        CircuitState.Open or CircuitState.Isolated => 1,
        CircuitState.HalfOpen => 2,
        _ => 0,
    };

    public void SetAuthBreakerState(CircuitState state) => Volatile.Write(ref _breakerState, state switch
    {
        CircuitState.Open or CircuitState.Isolated => 1,
        CircuitState.HalfOpen => 2,
        _ => 0,
    });

    public AuthCounters ReadAuthCounters() => new(
        Interlocked.Read(ref _cacheHits),
        Interlocked.Read(ref _cacheNegativeHits),
        Interlocked.Read(ref _cacheMisses),
        Interlocked.Read(ref _cacheEvictions),
        Interlocked.Read(ref _cacheRefreshes),
        Interlocked.Read(ref _authCalls),
        Interlocked.Read(ref _authErrors),
        Volatile.Read(ref _breakerState) switch { 1 => "open", 2 => "half-open", _ => "closed" },
        Interlocked.Read(ref _refusals[(int)Authentication.LookupRefusal.OverBudget]),
        Interlocked.Read(ref _refusals[(int)Authentication.LookupRefusal.ClientBusy]),
        Interlocked.Read(ref _refusals[(int)Authentication.LookupRefusal.Busy]),
        Interlocked.Read(ref _logins),
        Interlocked.Read(ref _loginsThrottledTotal));

    internal sealed record RateLimitCounters(IReadOnlyDictionary<string, long> Decisions, long RedisCalls, string BreakerState);

    internal readonly record struct AuthCounters(
        long CacheHits, long CacheNegativeHits, long CacheMisses, long CacheEvictions, long CacheRefreshes, long AuthServiceCalls, long AuthServiceErrors, string BreakerState,
        long LookupsRefusedOverBudget, long LookupsRefusedClientBusy, long LookupsRefusedBusy, long Logins, long LoginsThrottled);
}

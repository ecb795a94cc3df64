using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.WebSockets;
using Polly.CircuitBreaker;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// The proxy's counts and instruments (meter <c>Gateway.Proxy</c>, exported by OpenTelemetry).
/// Each event is counted once, by one Interlocked add: the OpenTelemetry counters are observable
/// instruments that read those totals when a collector asks, and the diagnostics endpoint and the
/// dashboard snapshot read the same totals, so the three cannot disagree and the request path pays
/// for one add. The per-request duration is the one recorded instrument (a histogram, whose count
/// is the request count; the dashboard's route table listens to it).
/// </summary>
internal sealed class ProxyMetrics
{
    public const string MeterName = "Gateway.Proxy";

    public const string RouteTag = "route";
    public const string StatusCodeTag = "status_code";

    // Boxed once: a tag value is an object, and boxing the status code per request would allocate.
    private static readonly object[] BoxedStatusCodes = Enumerable.Range(0, 600).Select(code => (object)code).ToArray();

    private static readonly string[] OutcomeNames =
        ["allowed", "allowed_from_slice", "rejected", "rejected_locally", "degraded_allowed", "degraded_rejected", "unavailable", "allowed_locally"];

    private static readonly string[] RefusalNames = ["none", "over_budget", "client_busy", "busy"];

    // In WebSocketCloseCause order.
    private static readonly string[] CloseCauseNames =
        ["client_closed", "backend_closed", "client_disconnected", "backend_disconnected", "idle_timeout", "credential_revoked", "access_revoked", "shutdown"];

    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _webSocketDuration;

    private long _cacheHits;
    private long _cacheNegativeHits;
    private long _cacheMisses;
    private long _cacheEvictions;
    private long _cacheRefreshes;
    private long _authCalls;
    private readonly ConcurrentDictionary<string, StrongBoxedCount> _authErrorsByReason = new(StringComparer.Ordinal);
    private readonly long[] _refusals = new long[RefusalNames.Length];
    private long _logins;
    private long _loginsThrottled;
    private int _authBreakerState;

    private readonly ConcurrentDictionary<string, RateLimitDecisions> _decisions = new(StringComparer.Ordinal);
    private long _redisCalls;
    private int _rateLimitBreakerState;

    private long _webSocketsOpened;
    private readonly long[] _webSocketsClosed = new long[CloseCauseNames.Length];

    public ProxyMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _duration = meter.CreateHistogram<double>(
            "gateway.proxy.request.duration", "s", "Time from the first byte in to the response, by route and status code.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

        meter.CreateObservableCounter("gateway.proxy.auth_cache.lookups", () => new[]
        {
            Count(ref _cacheHits, "result", "hit"),
            Count(ref _cacheNegativeHits, "result", "negative_hit"),
            Count(ref _cacheMisses, "result", "miss"),
        }, "{lookup}", "Auth cache lookups by result (hit, negative_hit, miss).");
        meter.CreateObservableCounter("gateway.proxy.auth_cache.evictions", () => Interlocked.Read(ref _cacheEvictions), "{entry}", "Positive entries evicted to stay within bounds.");
        meter.CreateObservableCounter(
            "gateway.proxy.auth_cache.refreshes", () => Interlocked.Read(ref _cacheRefreshes), "{lookup}",
            "Cached credentials revalidated in the background before they expired (refresh-ahead).");
        meter.CreateObservableCounter("gateway.proxy.auth_service.calls", () => Interlocked.Read(ref _authCalls), "{call}", "ValidateToken calls made to the auth service.");
        meter.CreateObservableCounter(
            "gateway.proxy.auth_service.errors",
            () => _authErrorsByReason.Select(error => new Measurement<long>(error.Value.Read(), new KeyValuePair<string, object?>("reason", error.Key))),
            "{call}", "ValidateToken calls that gave no definitive answer, by reason.");
        meter.CreateObservableCounter(
            "gateway.proxy.auth_service.lookups_refused",
            () => Enumerable.Range(1, RefusalNames.Length - 1).Select(i => Count(ref _refusals[i], "reason", RefusalNames[i])),
            "{request}",
            "Cache misses not sent to the auth service, by reason: over_budget (the client's failed-credential budget is spent, 429), client_busy (429), busy (503).");
        meter.CreateObservableCounter(
            "gateway.proxy.accounts.logins_throttled", () => Interlocked.Read(ref _loginsThrottled), "{request}",
            "Logins the auth service refused because of repeated failures (429).");
        meter.CreateObservableGauge(
            "gateway.proxy.auth_breaker.state", () => Volatile.Read(ref _authBreakerState), description: "Auth service circuit breaker: 0 closed, 1 open, 2 half-open.");

        meter.CreateObservableCounter(
            "gateway.proxy.rate_limit.decisions",
            () => _decisions.Values.SelectMany(policy => Enum.GetValues<RateLimitOutcome>().Select(outcome => new Measurement<long>(
                policy[outcome],
                new KeyValuePair<string, object?>("policy", policy.Policy),
                new KeyValuePair<string, object?>("outcome", OutcomeNames[(int)outcome])))),
            "{decision}", "Rate-limit decisions by policy and outcome.");
        meter.CreateObservableCounter("gateway.proxy.rate_limit.redis_calls", () => Interlocked.Read(ref _redisCalls), "{call}", "Redis round trips made for rate limiting.");
        meter.CreateObservableGauge(
            "gateway.proxy.rate_limit_breaker.state", () => Volatile.Read(ref _rateLimitBreakerState), description: "Redis rate-limit circuit breaker: 0 closed, 1 open, 2 half-open.");

        meter.CreateObservableCounter(
            "gateway.proxy.websocket.sessions.opened", () => Interlocked.Read(ref _webSocketsOpened), "{session}",
            "WebSocket upgrades the backend accepted.");
        meter.CreateObservableUpDownCounter(
            "gateway.proxy.websocket.sessions.active", () => ReadWebSocketCounters().Open, "{session}", "WebSocket sessions open now.");
        meter.CreateObservableCounter(
            "gateway.proxy.websocket.sessions.closed",
            () => Enumerable.Range(0, CloseCauseNames.Length).Select(i => Count(ref _webSocketsClosed[i], "reason", CloseCauseNames[i])),
            "{session}",
            "WebSocket sessions ended, by reason: client_closed and backend_closed (who sent the first close frame), client_disconnected and backend_disconnected (no close frame), or the gateway's own closes: idle_timeout and shutdown (1001), credential_revoked and access_revoked (1008).");
        // The session's length goes here, not into the request duration (which ends at the 101).
        _webSocketDuration = meter.CreateHistogram<double>(
            "gateway.proxy.websocket.session.duration", "s", "Time from a WebSocket's upgrade to its end.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10, 60, 300, 900, 3600, 14400, 86400] });
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

    public void AuthCacheHit() => Interlocked.Increment(ref _cacheHits);

    public void AuthCacheNegativeHit() => Interlocked.Increment(ref _cacheNegativeHits);

    public void AuthCacheMiss() => Interlocked.Increment(ref _cacheMisses);

    public void AuthCacheEviction() => Interlocked.Increment(ref _cacheEvictions);

    public void AuthCacheRefresh() => Interlocked.Increment(ref _cacheRefreshes);

    public void AuthServiceCall() => Interlocked.Increment(ref _authCalls);

    /// <summary>A call without a definitive answer; <paramref name="reason"/> is a status code or exception type name (a small set).</summary>
    public void AuthValidationError(string reason) =>
        _authErrorsByReason.GetOrAdd(reason, static _ => new StrongBoxedCount()).Increment();

    /// <summary>A cache miss that was answered without asking the auth service.</summary>
    public void CredentialLookupRefused(LookupRefusal refusal) => Interlocked.Increment(ref _refusals[(int)refusal]);

    /// <summary>A login relayed to the auth service; <paramref name="throttled"/> when it refused it for repeated failures.</summary>
    public void LoginRelayed(bool throttled)
    {
        Interlocked.Increment(ref _logins);
        if (throttled)
        {
            Interlocked.Increment(ref _loginsThrottled);
        }
    }

    /// <summary>The decision counts of a policy, for its limiters to hold (see <see cref="RateLimitDecisions"/>).</summary>
    public RateLimitDecisions DecisionsFor(string policy) => _decisions.GetOrAdd(policy, static name => new RateLimitDecisions(name));

    public void RateLimitRedisCall() => Interlocked.Increment(ref _redisCalls);

    public void SetRateLimitBreakerState(CircuitState state) => Volatile.Write(ref _rateLimitBreakerState, BreakerStates.ToGauge(state));

    public void SetAuthBreakerState(CircuitState state) => Volatile.Write(ref _authBreakerState, BreakerStates.ToGauge(state));

    public void WebSocketOpened() => Interlocked.Increment(ref _webSocketsOpened);

    public void WebSocketClosed(WebSocketCloseCause cause, double seconds)
    {
        Interlocked.Increment(ref _webSocketsClosed[(int)cause]);
        _webSocketDuration.Record(seconds);
    }

    public WebSocketTotals ReadWebSocketCounters()
    {
        // Closes first: a session that opens and closes between the two reads then counts in
        // neither, and one closing meanwhile only leaves Open one too high.
        var closed = new long[CloseCauseNames.Length];
        for (var i = 0; i < closed.Length; i++)
        {
            closed[i] = Interlocked.Read(ref _webSocketsClosed[i]);
        }

        return new WebSocketTotals(Interlocked.Read(ref _webSocketsOpened), closed);
    }

    public RateLimitTotals ReadRateLimitCounters()
    {
        var outcomes = new long[OutcomeNames.Length];
        foreach (var policy in _decisions.Values)
        {
            foreach (var outcome in Enum.GetValues<RateLimitOutcome>())
            {
                outcomes[(int)outcome] += policy[outcome];
            }
        }

        return new RateLimitTotals(outcomes, Interlocked.Read(ref _redisCalls), BreakerStates.FromGauge(Volatile.Read(ref _rateLimitBreakerState)));
    }

    public AuthTotals ReadAuthCounters() => new(
        Interlocked.Read(ref _cacheHits),
        Interlocked.Read(ref _cacheNegativeHits),
        Interlocked.Read(ref _cacheMisses),
        Interlocked.Read(ref _cacheEvictions),
        Interlocked.Read(ref _cacheRefreshes),
        Interlocked.Read(ref _authCalls),
        _authErrorsByReason.Values.Sum(count => count.Read()),
        BreakerStates.FromGauge(Volatile.Read(ref _authBreakerState)),
        Interlocked.Read(ref _refusals[(int)LookupRefusal.OverBudget]),
        Interlocked.Read(ref _refusals[(int)LookupRefusal.ClientBusy]),
        Interlocked.Read(ref _refusals[(int)LookupRefusal.Busy]),
        Interlocked.Read(ref _logins),
        Interlocked.Read(ref _loginsThrottled));

    /// <summary>The outcome's name in metrics and diagnostics (<c>allowed_from_slice</c>, ...).</summary>
    public static string NameOf(RateLimitOutcome outcome) => OutcomeNames[(int)outcome];

    /// <summary>The cause's name in metrics and diagnostics (<c>credential_revoked</c>, ...).</summary>
    public static string NameOf(WebSocketCloseCause cause) => CloseCauseNames[(int)cause];

    private static Measurement<long> Count(ref long total, string tag, string value) =>
        new(Interlocked.Read(ref total), new KeyValuePair<string, object?>(tag, value));

    /// <summary>A count in a dictionary value (Interlocked needs a field to add to).</summary>
    private sealed class StrongBoxedCount
    {
        private long _value;

        public void Increment() => Interlocked.Increment(ref _value);

        public long Read() => Interlocked.Read(ref _value);
    }
}

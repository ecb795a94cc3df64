using System.Diagnostics.Metrics;
using Gateway.Contracts.Metrics;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Gateway.TestSupport;
using Polly.CircuitBreaker;

namespace Gateway.UnitTests.Proxy.Telemetry;

/// <summary>One count per event: what OpenTelemetry exports and what diagnostics and the dashboard read are the same totals.</summary>
public sealed class ProxyMetricsTests : IDisposable
{
    private readonly TestMeterFactory _meters = new();
    private readonly ProxyMetrics _metrics;

    public ProxyMetricsTests() => _metrics = new ProxyMetrics(_meters);

    [Fact]
    public void EveryEvent_CountedOnce_ExportedAndReadAlike()
    {
        _metrics.AuthCacheHit();
        _metrics.AuthCacheHit();
        _metrics.AuthCacheNegativeHit();
        _metrics.AuthCacheMiss();
        _metrics.AuthServiceCall();
        _metrics.AuthValidationError("DeadlineExceeded");
        _metrics.AuthValidationError("DeadlineExceeded");
        _metrics.AuthValidationError("Unavailable");
        _metrics.CredentialLookupRefused(LookupRefusal.ClientBusy);
        _metrics.LoginRelayed(throttled: true);
        _metrics.LoginRelayed(throttled: false);
        var api = _metrics.DecisionsFor("per-user");
        Assert.Same(api, _metrics.DecisionsFor("per-user"));
        api.Count(RateLimitOutcome.AllowedLocally);
        api.Count(RateLimitOutcome.AllowedLocally);
        _metrics.DecisionsFor("anonymous").Count(RateLimitOutcome.Rejected);
        _metrics.RateLimitRedisCall();
        _metrics.SetAuthBreakerState(CircuitState.HalfOpen);

        var exported = Collect();
        Assert.Equal(2, exported[("gateway.proxy.auth_cache.lookups", "result=hit")]);
        Assert.Equal(1, exported[("gateway.proxy.auth_cache.lookups", "result=negative_hit")]);
        Assert.Equal(1, exported[("gateway.proxy.auth_cache.lookups", "result=miss")]);
        Assert.Equal(1, exported[("gateway.proxy.auth_service.calls", "")]);
        Assert.Equal(2, exported[("gateway.proxy.auth_service.errors", "reason=DeadlineExceeded")]);
        Assert.Equal(1, exported[("gateway.proxy.auth_service.errors", "reason=Unavailable")]);
        Assert.Equal(1, exported[("gateway.proxy.auth_service.lookups_refused", "reason=client_busy")]);
        Assert.Equal(1, exported[("gateway.proxy.accounts.logins_throttled", "")]);
        Assert.Equal(2, exported[("gateway.proxy.rate_limit.decisions", "policy=per-user,outcome=allowed_locally")]);
        Assert.Equal(1, exported[("gateway.proxy.rate_limit.decisions", "policy=anonymous,outcome=rejected")]);
        Assert.Equal(1, exported[("gateway.proxy.rate_limit.redis_calls", "")]);
        Assert.Equal(2, exported[("gateway.proxy.auth_breaker.state", "")]);

        var auth = _metrics.ReadAuthCounters();
        Assert.Equal((2, 1, 1, 1, 3, 1, 2, 1), (auth.CacheHits, auth.CacheNegativeHits, auth.CacheMisses, auth.AuthServiceCalls, auth.AuthServiceErrors, auth.LookupsRefusedClientBusy, auth.Logins, auth.LoginsThrottled));
        Assert.Equal(BreakerState.HalfOpen, auth.BreakerState);
        var rateLimit = _metrics.ReadRateLimitCounters();
        Assert.Equal((2, 1, 1), (rateLimit[RateLimitOutcome.AllowedLocally], rateLimit[RateLimitOutcome.Rejected], rateLimit.RedisCalls));
    }

    /// <summary>What a collector sees: each instrument's current values, by instrument name and tags.</summary>
    private Dictionary<(string Instrument, string Tags), long> Collect()
    {
        var values = new Dictionary<(string, string), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProxyMetrics.MeterName && ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            var text = string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
            values[(instrument.Name, text)] = value;
        }

        listener.SetMeasurementEventCallback<long>(Record);
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, state) => Record(instrument, value, tags, state));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    public void Dispose() => _meters.Dispose();
}

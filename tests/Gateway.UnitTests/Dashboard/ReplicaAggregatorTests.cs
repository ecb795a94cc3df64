using Gateway.Contracts.Metrics;
using Gateway.Dashboard.Aggregation;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Dashboard;

public sealed class ReplicaAggregatorTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly ReplicaAggregator _aggregator;

    public ReplicaAggregatorTests() =>
        _aggregator = new ReplicaAggregator(_time, Options.Create(new AggregatorOptions { RateWindowSeconds = 5, LatencyWindowSeconds = 10 }));

    [Fact]
    public void TwoReplicas_CountsAndRatesAreSummed()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);

        // Five seconds of 100 req/s on a and 50 req/s on b, of which b's are all 429.
        for (var second = 0; second < 5; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(a.Add("api", 100, status: 200));
            _aggregator.Observe(b.Add("api", 50, status: 429));
        }

        var frame = _aggregator.Tick([]);
        Assert.Equal(750, frame.Traffic.Requests);
        Assert.Equal(500, frame.Traffic.Totals["2xx"]);
        Assert.Equal(250, frame.Traffic.Totals["4xx"]);
        Assert.Equal(250, frame.Traffic.Totals["429"]);
        Assert.InRange(frame.Traffic.RequestsPerSecond, 140, 160);
        Assert.InRange(frame.Traffic.Rates["429"], 45, 55);
        var route = Assert.Single(frame.Routes);
        Assert.Equal(("api", 750L, 250L), (route.Route, route.Requests, route.RateLimited));
        Assert.Equal(["proxy-a", "proxy-b"], frame.Replicas.Select(r => r.Name));
        Assert.All(frame.Replicas, r => Assert.Equal(ReplicaStatus.Live, r.State));
        Assert.InRange(frame.Replicas[0].RequestsPerSecond, 99, 101);
        Assert.InRange(frame.Replicas[1].RequestsPerSecond, 49, 51);
    }

    [Fact]
    public void CredentialAbuse_RefusedLookupsRateAndTotal_InFlightNow_LoginsThrottled_SummedOverReplicas()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);

        // A flood on a: 200 refused lookups a second, 3 in flight; b relays throttled logins.
        for (var second = 0; second < 5; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(a.Add("api", 200, status: 429, lookupsRefused: 200, lookupsInFlight: 3));
            _aggregator.Observe(b.Add("api", 10, status: 200, lookupsInFlight: 1, loginsThrottled: 2));
        }

        var auth = _aggregator.Tick([]).Auth;
        Assert.Equal(1_000, auth.LookupsRefused);
        Assert.InRange(auth.LookupsRefusedPerSecond, 190, 210);
        Assert.Equal(4, auth.LookupsInFlight);
        Assert.Equal(10, auth.LoginsThrottled);
    }

    [Fact]
    public void RateIsFromRecentDeltas_NotTheRunningTotal()
    {
        var a = new FakeReplica("proxy-a", _time);
        for (var second = 0; second < 5; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(a.Add("api", 1000, status: 200));
        }

        // Traffic stops: snapshots keep coming with unchanged totals.
        for (var second = 0; second < 6; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(a.Add("api", 0, status: 200));
        }

        var frame = _aggregator.Tick([]);
        Assert.Equal(5000, frame.Traffic.Requests);
        Assert.Equal(0, frame.Traffic.RequestsPerSecond);
    }

    [Fact]
    public void ReplicaRestart_CountsFromZeroAgain_NoNegativeOrSpikingRate()
    {
        var before = new FakeReplica("proxy-a", _time);
        for (var second = 0; second < 3; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(before.Add("api", 10_000, status: 200));
        }

        // Same replica name, new process: its counters start at zero (30 000 → 20).
        var after = new FakeReplica("proxy-a", _time);
        for (var second = 0; second < 6; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(after.Add("api", 20, status: 200));
        }

        var frame = _aggregator.Tick([]);
        Assert.Equal(30_000 + 120, frame.Traffic.Requests);
        Assert.InRange(frame.Traffic.RequestsPerSecond, 19, 21);
        Assert.All(frame.Traffic.Rates.Values, rate => Assert.True(rate >= 0));
        Assert.Equal(ReplicaStatus.Live, Assert.Single(frame.Replicas).State);

        // A late snapshot of the old process changes nothing.
        _aggregator.Observe(before.Add("api", 5, status: 200));
        Assert.Equal(30_120, _aggregator.Tick([]).Traffic.Requests);
    }

    [Fact]
    public void ReplicaAlreadyRunningWhenDashboardStarted_IsABaseline()
    {
        var early = new FakeReplica("proxy-a", _time, startedAt: _time.GetUtcNow() - TimeSpan.FromHours(1), initialRequests: 1_000_000);
        _time.Advance(Interval);
        _aggregator.Observe(early.Add("api", 0, status: 200));
        _time.Advance(Interval);
        _aggregator.Observe(early.Add("api", 7, status: 200));

        Assert.Equal(7, _aggregator.Tick([]).Traffic.Requests);
    }

    [Fact]
    public void ReplicaThatStopsReporting_IsGone_AndLeavesTheRate()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        for (var second = 0; second < 3; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(a.Add("api", 10, status: 200));
            _aggregator.Observe(b.Add("api", 10, status: 200));
        }

        // b falls silent (killed); a keeps reporting.
        for (var second = 0; second < 6; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(a.Add("api", 10, status: 200));
        }

        var frame = _aggregator.Tick([]);
        var gone = frame.Replicas.Single(r => r.Name == "proxy-b");
        Assert.Equal((ReplicaStatus.Gone, "not reporting", 0d), (gone.State, gone.Detail, gone.RequestsPerSecond));
        Assert.Equal(ReplicaStatus.Live, frame.Replicas.Single(r => r.Name == "proxy-a").State);
        Assert.Equal(120, frame.Traffic.Requests);
        var proxy = frame.Services.Single(s => s.Name == "proxy");
        Assert.Equal((ServiceStatus.Degraded, "1 of 2 replicas reporting"), (proxy.Status, proxy.Detail));
    }

    [Fact]
    public void ReplicaThatSaysItIsStopping_IsGoneAtOnce_ThenForgotten()
    {
        var a = new FakeReplica("proxy-a", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 10, status: 200));
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, stopping: true));

        var replica = Assert.Single(_aggregator.Tick([]).Replicas);
        Assert.Equal((ReplicaStatus.Gone, "stopped"), (replica.State, replica.Detail));

        _time.Advance(new AggregatorOptions().ForgetGoneAfter + Interval);
        var later = _aggregator.Tick([]);
        Assert.Empty(later.Replicas);
        Assert.Equal(11, later.Traffic.Requests);
    }

    [Fact]
    public void DuplicateSnapshot_CountedOnce()
    {
        var a = new FakeReplica("proxy-a", _time);
        _time.Advance(Interval);
        var snapshot = a.Add("api", 10, status: 200);
        _aggregator.Observe(snapshot);
        _aggregator.Observe(snapshot);

        Assert.Equal(10, _aggregator.Tick([]).Traffic.Requests);
    }

    [Fact]
    public void Latency_PercentilesFromMergedHistograms()
    {
        var fast = new FakeReplica("proxy-a", _time);
        var slow = new FakeReplica("proxy-b", _time);
        _time.Advance(Interval);
        // 98 requests at 1 ms on one replica, 2 at 100 ms on the other.
        _aggregator.Observe(fast.Add("api", 98, status: 200, seconds: 0.001));
        _aggregator.Observe(slow.Add("api", 2, status: 200, seconds: 0.100));

        var latency = _aggregator.Tick([]).Latency;
        Assert.InRange(latency.P50!.Value, 0.9, 1.3);
        Assert.InRange(latency.P99!.Value, 85, 125);
    }

    [Fact]
    public void AuthCacheHitRatio_AndBackendHealthAcrossReplicas()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, cacheHits: 90, cacheMisses: 10, destinationHealth: HealthState.Healthy));
        _aggregator.Observe(b.Add("api", 1, status: 200, cacheHits: 0, cacheMisses: 0, destinationHealth: HealthState.Unhealthy));

        var frame = _aggregator.Tick([new ServiceView("redis", ServiceStatus.Healthy, "ping")]);
        Assert.Equal(0.9, frame.Auth.CacheHitRatio!.Value, precision: 3);
        Assert.Contains(frame.Services, s => s is { Name: "redis", Status: ServiceStatus.Healthy });
        var backend = frame.Services.Single(s => s.Name == "sampleapi/d1");
        Assert.Equal((ServiceStatus.Unhealthy, "healthy on 1 of 2 replicas"), (backend.Status, backend.Detail));

        // The page reads states as words (dashboard.js compares them with "healthy", "live", "closed").
        var json = System.Text.Json.JsonSerializer.Serialize(frame, DashboardJsonContext.Default.DashboardFrame);
        Assert.Contains("\"status\":\"unhealthy\"", json, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"live\"", json, StringComparison.Ordinal);
        Assert.Contains("\"authBreaker\":\"closed\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthCacheHitRatio_QuietSecondsAfterLookups_IsTheRatioOfTheTotalsShownBesideIt()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 80, status: 200, cacheHits: 60, cacheMisses: 2, cacheNegativeHits: 8));
        _aggregator.Observe(b.Add("api", 20, status: 200, cacheHits: 10, cacheMisses: 10));

        // Longer than both windows without a lookup (traffic that needs none goes on).
        for (var second = 0; second < 15; second++)
        {
            _time.Advance(Interval);
            _aggregator.Observe(a.Add("public", 5, status: 200));
            _aggregator.Observe(b.Add("public", 5, status: 200));
        }

        var auth = _aggregator.Tick([]).Auth;
        Assert.Equal((70L, 8L, 12L), (auth.CacheHits, auth.CacheNegativeHits, auth.CacheMisses));
        Assert.NotNull(auth.CacheHitRatio);
        Assert.Equal(70.0 / 90, auth.CacheHitRatio.Value, precision: 6);
    }

    [Fact]
    public void AuthCacheHitRatio_NoLookupsYet_IsNull()
    {
        var a = new FakeReplica("proxy-a", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("public", 5, status: 200));

        Assert.Null(_aggregator.Tick([]).Auth.CacheHitRatio);
    }

    [Fact]
    public void ConfigVersion_EveryLiveReplicaOnTheSameVersion_PerReplicaAndConverged()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, configVersion: 4));
        _aggregator.Observe(b.Add("api", 1, status: 200, configVersion: 4));

        var frame = _aggregator.Tick([]);
        Assert.Equal([4L, 4L], frame.Replicas.Select(r => r.ConfigVersion));
        Assert.All(frame.Replicas, r => Assert.Equal((0L, (string?)null), (r.RejectedConfigVersion, r.ConfigError)));
        Assert.Equal((4L, true), (frame.Config.ActiveVersion, frame.Config.Converged));
    }

    [Fact]
    public void ConfigVersion_StillOnTheFile_IsVersionZero_AndConverged()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200));
        _aggregator.Observe(b.Add("api", 1, status: 200));

        var config = _aggregator.Tick([]).Config;
        Assert.Equal((0L, true), (config.ActiveVersion, config.Converged));
    }

    [Fact]
    public void ConfigVersion_OneReplicaBehind_ActiveIsTheNewest_NotConverged_UntilItCatchesUp()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, configVersion: 7));
        _aggregator.Observe(b.Add("api", 1, status: 200, configVersion: 6));

        var frame = _aggregator.Tick([]);
        Assert.Equal((7L, false), (frame.Config.ActiveVersion, frame.Config.Converged));
        Assert.Equal(6, frame.Replicas.Single(r => r.Name == "proxy-b").ConfigVersion);

        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, configVersion: 7));
        _aggregator.Observe(b.Add("api", 1, status: 200, configVersion: 7));
        var caughtUp = _aggregator.Tick([]).Config;
        Assert.Equal((7L, true), (caughtUp.ActiveVersion, caughtUp.Converged));
    }

    [Fact]
    public void ConfigVersion_GoneReplicaOnAnOlderVersion_NeitherActiveNorDisagreeing()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, configVersion: 3));
        _aggregator.Observe(b.Add("api", 1, status: 200, configVersion: 9, stopping: true));

        var frame = _aggregator.Tick([]);
        Assert.Equal(ReplicaStatus.Gone, frame.Replicas.Single(r => r.Name == "proxy-b").State);
        Assert.Equal(9, frame.Replicas.Single(r => r.Name == "proxy-b").ConfigVersion);
        Assert.Equal((3L, true), (frame.Config.ActiveVersion, frame.Config.Converged));
    }

    [Fact]
    public void ConfigVersion_NoLiveReplica_NothingActive_NotConverged()
    {
        var config = _aggregator.Tick([]).Config;

        Assert.Equal((0L, false), (config.ActiveVersion, config.Converged));
        Assert.Same(ConfigHistoryView.NotLoaded, config.History);
    }

    [Fact]
    public void RejectedConfigVersion_SurfacesWithItsReason_WhileTheReplicaKeepsServingItsVersion()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, configVersion: 5));
        _aggregator.Observe(b.Add("api", 1, status: 200, configVersion: 5, rejectedConfigVersion: 6, configError: "route 'api': cluster 'nope' does not exist"));

        var frame = _aggregator.Tick([]);
        var rejecting = frame.Replicas.Single(r => r.Name == "proxy-b");
        Assert.Equal((5L, 6L, "route 'api': cluster 'nope' does not exist"), (rejecting.ConfigVersion, rejecting.RejectedConfigVersion, rejecting.ConfigError));
        Assert.Equal((0L, (string?)null), (frame.Replicas[0].RejectedConfigVersion, frame.Replicas[0].ConfigError));
        // Both still serve 5: they agree, whatever one of them refused.
        Assert.Equal((5L, true), (frame.Config.ActiveVersion, frame.Config.Converged));
    }

    [Fact]
    public void RejectedConfigVersion_LongOrMissingReason_CutOrSaidSo_ReasonWithoutRejectionDropped()
    {
        var a = new FakeReplica("proxy-a", _time);
        var b = new FakeReplica("proxy-b", _time);
        var c = new FakeReplica("proxy-c", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, rejectedConfigVersion: 2, configError: new string('x', 10_000)));
        _aggregator.Observe(b.Add("api", 1, status: 200, rejectedConfigVersion: 2, configError: "  "));
        _aggregator.Observe(c.Add("api", 1, status: 200, configVersion: 2, configError: "left over from before"));

        var replicas = _aggregator.Tick([]).Replicas;
        Assert.Equal(ReplicaAggregator.MaxConfigErrorLength, replicas[0].ConfigError!.Length);
        Assert.EndsWith("…", replicas[0].ConfigError, StringComparison.Ordinal);
        Assert.Equal("no reason given", replicas[1].ConfigError);
        Assert.Null(replicas[2].ConfigError);
    }

    [Fact]
    public void FrameJson_CarriesConfigPerReplicaAndForTheGateway_InTheNamesThePageReads()
    {
        var a = new FakeReplica("proxy-a", _time);
        _time.Advance(Interval);
        _aggregator.Observe(a.Add("api", 1, status: 200, configVersion: 3, rejectedConfigVersion: 4, configError: "<b>bad</b>"));
        var history = ConfigHistoryView.Loaded(
            [new ConfigVersionView(4, "admin", _time.GetUtcNow(), "more routes", 0), new ConfigVersionView(3, "admin", _time.GetUtcNow(), "rollback", 1)],
            _time.GetUtcNow()).Failed("the auth service is unreachable");

        var json = System.Text.Json.JsonSerializer.Serialize(_aggregator.Tick([], history), DashboardJsonContext.Default.DashboardFrame);

        // dashboard.js reads these names.
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var replica = document.RootElement.GetProperty("replicas")[0];
        Assert.Equal(3, replica.GetProperty("configVersion").GetInt64());
        Assert.Equal(4, replica.GetProperty("rejectedConfigVersion").GetInt64());
        // The reason is data, sent as it came (the page writes it as text).
        Assert.Equal("<b>bad</b>", replica.GetProperty("configError").GetString());
        var config = document.RootElement.GetProperty("config");
        Assert.Equal(3, config.GetProperty("activeVersion").GetInt64());
        Assert.True(config.GetProperty("converged").GetBoolean());
        var stored = config.GetProperty("history");
        Assert.True(stored.GetProperty("stale").GetBoolean());
        Assert.Equal("the auth service is unreachable", stored.GetProperty("error").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, stored.GetProperty("updatedAt").ValueKind);
        Assert.Equal([4L, 3L], stored.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt64()));
        var rollback = stored.GetProperty("versions")[1];
        Assert.Equal(("admin", "rollback", 1L), (rollback.GetProperty("author").GetString(), rollback.GetProperty("summary").GetString(), rollback.GetProperty("restoredFrom").GetInt64()));
        Assert.Equal(System.Text.Json.JsonValueKind.String, rollback.GetProperty("createdAt").ValueKind);
        Assert.False(stored.TryGetProperty("newestVersion", out _));
    }

    /// <summary>A replica's cumulative counters, advanced like the real recorder and published as snapshots.</summary>
    private sealed class FakeReplica(string name, TimeProvider time, DateTimeOffset? startedAt = null, long initialRequests = 0)
    {
        private readonly string _instance = Guid.NewGuid().ToString("N");
        private readonly DateTimeOffset _startedAt = startedAt ?? time.GetUtcNow();
        private readonly Dictionary<string, (long Requests, long[] Status, long[] Latency)> _routes = [];
        private long _sequence;
        private long _cacheHits;
        private long _cacheMisses;
        private long _cacheNegativeHits;
        private long _lookupsRefused;
        private long _loginsThrottled;

        public ReplicaSnapshot Add(
            string route, int count, int status, double seconds = 0.002, bool stopping = false,
            long cacheHits = 0, long cacheMisses = 0, long cacheNegativeHits = 0, HealthState destinationHealth = HealthState.Healthy,
            long lookupsRefused = 0, int lookupsInFlight = 0, long loginsThrottled = 0,
            long configVersion = 0, long rejectedConfigVersion = 0, string? configError = null)
        {
            _lookupsRefused += lookupsRefused;
            _loginsThrottled += loginsThrottled;
            if (!_routes.TryGetValue(route, out var counters))
            {
                counters = (initialRequests, new long[RouteCounters.StatusKinds], new long[LatencyBuckets.Count]);
            }

            counters.Requests += count;
            counters.Status[(status / 100) - 2] += count;
            if (status == 429)
            {
                counters.Status[(int)StatusKind.TooManyRequests429] += count;
            }

            counters.Latency[LatencyBuckets.IndexOf(seconds)] += count;
            _routes[route] = counters;
            _cacheHits += cacheHits;
            _cacheMisses += cacheMisses;
            _cacheNegativeHits += cacheNegativeHits;

            return new ReplicaSnapshot
            {
                Replica = name,
                Instance = _instance,
                StartedAt = _startedAt,
                Timestamp = time.GetUtcNow(),
                Sequence = ++_sequence,
                Interval = Interval,
                Stopping = stopping,
                ConfigVersion = configVersion,
                RejectedConfigVersion = rejectedConfigVersion,
                ConfigError = configError,
                Routes = _routes.Select(r => new RouteCounters { Route = r.Key, Requests = r.Value.Requests, Status = [.. r.Value.Status], Latency = [.. r.Value.Latency] }).ToList(),
                Auth = new AuthCounters
                {
                    CacheHits = _cacheHits,
                    CacheNegativeHits = _cacheNegativeHits,
                    CacheMisses = _cacheMisses,
                    LookupsRefused = _lookupsRefused,
                    LookupsInFlight = lookupsInFlight,
                    LoginsThrottled = _loginsThrottled,
                },
                RateLimit = new RateLimitCounters(),
                Destinations = [new DestinationHealth("sampleapi", "d1", destinationHealth)],
            };
        }
    }
}

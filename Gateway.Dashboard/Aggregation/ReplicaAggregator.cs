using Gateway.Contracts.Metrics;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Aggregation;

/// <summary>
/// Merges the cumulative snapshots of every proxy replica into one view of the gateway.
/// <list type="bullet">
/// <item>Totals: each snapshot minus the same replica's previous one is added to the totals, so
/// they only grow and count every request once.</item>
/// <item>Rates and percentiles: per replica, the newest snapshot minus the one from a window
/// earlier, divided by the time between them on that replica's own clock. A real rate, immune to
/// when snapshots happen to arrive, summed over the live replicas.</item>
/// <item>Restarts: a new <see cref="ReplicaSnapshot.Instance"/> means the counters began again at
/// zero when that process started, so its counts are new traffic measured from a zero baseline at
/// its start; never a negative delta, never a spike of its old totals. A replica first seen after
/// the dashboard started is measured from zero too; one already running when the dashboard
/// started is a baseline (its history is unknown).</item>
/// <item>A replica that says it is stopping, or misses several snapshot intervals, is gone: its
/// counts stay in the totals, it stops contributing to rates, and it is forgotten later.</item>
/// <item>Configuration: each replica's newest snapshot says which version it serves (and any it
/// refused); the live replicas' newest is the gateway's active version, and they have converged when
/// they all serve the same one.</item>
/// </list>
/// One instance, fed by one subscriber and read by one frame loop: the lock is never on a request path.
/// </summary>
public sealed class ReplicaAggregator
{
    private static readonly int StatusKinds = RouteCounters.StatusKinds;

    /// <summary>Keys of <see cref="TrafficView.Rates"/>/<see cref="TrafficView.Totals"/>, in <see cref="StatusKind"/> order.</summary>
    public static readonly string[] OutcomeKeys = ["2xx", "3xx", "4xx", "5xx", "401", "403", "429", "503"];

    /// <summary>Longest <see cref="ReplicaView.ConfigError"/> shown; a longer one is cut.</summary>
    public const int MaxConfigErrorLength = 500;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly AggregatorOptions _options;
    private readonly DateTimeOffset _watchingSince;
    private readonly Dictionary<string, ReplicaState> _replicas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RouteTotals> _routes = new(StringComparer.Ordinal);
    private readonly long[] _status = new long[StatusKinds];
    private long _requests;
    private long _authHits;
    private long _authNegativeHits;
    private long _authMisses;
    private long _authErrors;
    private long _lookupsRefused;
    private long _loginsThrottled;
    private long _rateLimited;
    private long _degraded;
    private long _sequence;

    public ReplicaAggregator(TimeProvider time, IOptions<AggregatorOptions> options)
    {
        _time = time;
        _options = options.Value;
        _watchingSince = time.GetUtcNow();
    }

    private TimeSpan HistorySpan => TimeSpan.FromSeconds(Math.Max(_options.RateWindowSeconds, _options.LatencyWindowSeconds));

    /// <summary>Takes one replica snapshot. Duplicates and stale out-of-order snapshots are ignored.</summary>
    public void Observe(ReplicaSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_replicas.TryGetValue(snapshot.Replica, out var replica))
            {
                replica = new ReplicaState();
                _replicas.Add(snapshot.Replica, replica);
                replica.Restart(snapshot, countFromZero: snapshot.StartedAt >= _watchingSince);
            }
            else if (replica.Newest.Instance != snapshot.Instance)
            {
                if (snapshot.StartedAt < replica.Newest.StartedAt)
                {
                    // A late message from the previous process: nothing new.
                    return;
                }

                replica.Restart(snapshot, countFromZero: true);
            }
            else if (snapshot.Sequence <= replica.Newest.Sequence)
            {
                return;
            }

            AddToTotals(snapshot, replica.Newest);
            replica.Append(snapshot, now, HistorySpan);
        }
    }

    /// <summary>
    /// The current view; <paramref name="services"/> are health results and
    /// <paramref name="configHistory"/> the stored configuration versions, both gathered elsewhere
    /// (null: not read yet).
    /// </summary>
    public DashboardFrame Tick(IReadOnlyList<ServiceView> services, ConfigHistoryView? configHistory = null)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var replicas = ReplicaViews(now);
            var live = _replicas.Values.Where(r => !r.IsGone(now, _options)).ToList();
            var rate = new WindowSum();
            var latency = new WindowSum();
            foreach (var replica in live)
            {
                rate.Add(replica, TimeSpan.FromSeconds(_options.RateWindowSeconds));
                latency.Add(replica, TimeSpan.FromSeconds(_options.LatencyWindowSeconds));
            }

            var decisions = rate.Allowed + rate.Rejected + rate.Degraded;
            // Over the same totals the card prints beside it (hits, negative hits, misses), so the
            // ratio and its counts always agree; a recent window left it blank after a quiet
            // few seconds while the counts beside it were non-zero.
            var authLookups = _authHits + _authNegativeHits + _authMisses;
            return new DashboardFrame
            {
                Sequence = ++_sequence,
                Time = now,
                Traffic = new TrafficView
                {
                    RequestsPerSecond = rate.Rates.Requests,
                    Requests = _requests,
                    Rates = OutcomeKeys.Select((key, i) => (key, rate.Rates.Status[i])).ToDictionary(p => p.key, p => p.Item2),
                    Totals = OutcomeKeys.Select((key, i) => (key, _status[i])).ToDictionary(p => p.key, p => p.Item2),
                },
                Latency = new LatencyView(
                    LatencyBuckets.PercentileMilliseconds(latency.Latency, 0.50),
                    LatencyBuckets.PercentileMilliseconds(latency.Latency, 0.95),
                    LatencyBuckets.PercentileMilliseconds(latency.Latency, 0.99)),
                Auth = new AuthView
                {
                    CacheHitRatio = authLookups <= 0 ? null : (double)_authHits / authLookups,
                    CacheHits = _authHits,
                    CacheNegativeHits = _authNegativeHits,
                    CacheMisses = _authMisses,
                    ServiceErrors = _authErrors,
                    LookupsRefusedPerSecond = rate.LookupsRefusedPerSecond,
                    LookupsRefused = _lookupsRefused,
                    LookupsInFlight = live.Sum(r => r.Newest.Auth.LookupsInFlight),
                    LoginsThrottled = _loginsThrottled,
                },
                RateLimit = new RateLimitView
                {
                    AllowedPerSecond = rate.AllowedPerSecond,
                    RejectedPerSecond = rate.RejectedPerSecond,
                    DegradedPerSecond = rate.DegradedPerSecond,
                    Rejected = _rateLimited,
                    Degraded = _degraded,
                    RedisCallsPerDecision = decisions <= 0 ? null : (double)rate.RedisCalls / decisions,
                },
                Replicas = replicas,
                Services = [ProxyService(replicas), .. services, .. BackendServices(live)],
                Routes = RouteViews(rate, latency),
                Config = ConfigOf(live, configHistory ?? ConfigHistoryView.NotLoaded),
            };
        }
    }

    private void AddToTotals(ReplicaSnapshot current, ReplicaSnapshot previous)
    {
        foreach (var route in current.Routes)
        {
            var before = previous.Routes.FirstOrDefault(r => r.Route == route.Route);
            var requests = Delta(route.Requests, before?.Requests);
            if (requests == 0)
            {
                continue;
            }

            if (!_routes.TryGetValue(route.Route, out var totals))
            {
                totals = new RouteTotals();
                _routes.Add(route.Route, totals);
            }

            totals.Requests += requests;
            _requests += requests;
            for (var i = 0; i < StatusKinds && i < route.Status.Length; i++)
            {
                var delta = Delta(route.Status[i], before?.Status.ElementAtOrDefault(i));
                totals.Status[i] += delta;
                _status[i] += delta;
            }
        }

        _authHits += Delta(current.Auth.CacheHits, previous.Auth.CacheHits);
        _authNegativeHits += Delta(current.Auth.CacheNegativeHits, previous.Auth.CacheNegativeHits);
        _authMisses += Delta(current.Auth.CacheMisses, previous.Auth.CacheMisses);
        _authErrors += Delta(current.Auth.ServiceErrors, previous.Auth.ServiceErrors);
        _lookupsRefused += Delta(current.Auth.LookupsRefused, previous.Auth.LookupsRefused);
        _loginsThrottled += Delta(current.Auth.LoginsThrottled, previous.Auth.LoginsThrottled);
        _rateLimited += Rejections(current.RateLimit) - Math.Min(Rejections(current.RateLimit), Rejections(previous.RateLimit));
        _degraded += Degradations(current.RateLimit) - Math.Min(Degradations(current.RateLimit), Degradations(previous.RateLimit));
    }

    private static long Rejections(RateLimitCounters c) => c.Rejected + c.DegradedRejected + c.Unavailable;

    private static long Degradations(RateLimitCounters c) => c.DegradedAllowed + c.DegradedRejected + c.Unavailable;

    /// <summary>Counters only grow within one process; a smaller value is treated as no new traffic.</summary>
    private static long Delta(long current, long? previous) => Math.Max(0, current - (previous ?? 0));

    private List<ReplicaView> ReplicaViews(DateTimeOffset now)
    {
        var views = new List<ReplicaView>(_replicas.Count);
        foreach (var (name, replica) in _replicas.ToArray())
        {
            var newest = replica.Newest;
            var silence = now - replica.LastSeen;
            var gone = replica.IsGone(now, _options);
            if (gone && silence > _options.ForgetGoneAfter)
            {
                _replicas.Remove(name);
                continue;
            }

            var window = new WindowSum();
            if (!gone)
            {
                window.Add(replica, TimeSpan.FromSeconds(_options.RateWindowSeconds));
            }

            views.Add(new ReplicaView
            {
                Name = name,
                State = gone ? ReplicaStatus.Gone : ReplicaStatus.Live,
                Detail = newest.Stopping ? "stopped" : gone ? "not reporting" : "reporting",
                SecondsSinceLastSnapshot = Math.Round(silence.TotalSeconds, 1),
                RequestsPerSecond = window.Rates.Requests,
                StartedAt = newest.StartedAt,
                AuthBreaker = newest.Auth.BreakerState,
                RateLimitBreaker = newest.RateLimit.BreakerState,
                ConfigVersion = newest.ConfigVersion,
                RejectedConfigVersion = newest.RejectedConfigVersion,
                ConfigError = ConfigErrorOf(newest),
            });
        }

        views.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return views;
    }

    /// <summary>Gone replicas serve nobody: only the live ones decide the active version and agreement.</summary>
    private static ConfigView ConfigOf(List<ReplicaState> live, ConfigHistoryView history) => new()
    {
        ActiveVersion = live.Count == 0 ? 0 : live.Max(r => r.Newest.ConfigVersion),
        Converged = live.Count > 0 && live.All(r => r.Newest.ConfigVersion == live[0].Newest.ConfigVersion),
        History = history,
    };

    /// <summary>The replica's reason, bounded: it is shown in a table cell, and sent to every viewer every second.</summary>
    private static string? ConfigErrorOf(ReplicaSnapshot snapshot)
    {
        if (snapshot.RejectedConfigVersion == 0)
        {
            return null;
        }

        var error = string.IsNullOrWhiteSpace(snapshot.ConfigError) ? "no reason given" : snapshot.ConfigError.Trim();
        if (error.Length <= MaxConfigErrorLength)
        {
            return error;
        }

        // Never half a surrogate pair before the ellipsis.
        var cut = char.IsHighSurrogate(error[MaxConfigErrorLength - 2]) ? MaxConfigErrorLength - 2 : MaxConfigErrorLength - 1;
        return string.Concat(error.AsSpan(0, cut), "…");
    }

    private static ServiceView ProxyService(IReadOnlyList<ReplicaView> replicas)
    {
        var live = replicas.Count(r => r.State == ReplicaStatus.Live);
        var detail = $"{live} of {replicas.Count} replicas reporting";
        var status = replicas.Count == 0 ? ServiceStatus.Unknown : live == 0 ? ServiceStatus.Unhealthy : live < replicas.Count ? ServiceStatus.Degraded : ServiceStatus.Healthy;
        return new ServiceView("proxy", status, detail);
    }

    /// <summary>Backend destinations as the live replicas' health checks see them: unhealthy if any replica says so.</summary>
    private static IEnumerable<ServiceView> BackendServices(IEnumerable<ReplicaState> live) =>
        live.SelectMany(r => r.Newest.Destinations)
            .GroupBy(d => (d.Cluster, d.Destination))
            .OrderBy(g => g.Key.Cluster, StringComparer.Ordinal).ThenBy(g => g.Key.Destination, StringComparer.Ordinal)
            .Select(g =>
            {
                var unhealthy = g.Count(d => d.Health == HealthState.Unhealthy);
                var healthy = g.Count(d => d.Health == HealthState.Healthy);
                var status = unhealthy > 0 ? ServiceStatus.Unhealthy : healthy > 0 ? ServiceStatus.Healthy : ServiceStatus.Unknown;
                return new ServiceView($"{g.Key.Cluster}/{g.Key.Destination}", status, $"healthy on {healthy} of {g.Count()} replicas");
            });

    private List<RouteView> RouteViews(WindowSum rate, WindowSum latency)
    {
        var views = new List<RouteView>(_routes.Count);
        foreach (var (route, totals) in _routes)
        {
            var recentLatency = latency.RouteLatency.GetValueOrDefault(route);
            views.Add(new RouteView
            {
                Route = route,
                RequestsPerSecond = rate.RoutePerSecond(route),
                Requests = totals.Requests,
                ClientErrors = totals.Status[(int)StatusKind.ClientError4xx],
                ServerErrors = totals.Status[(int)StatusKind.ServerError5xx],
                Unauthorized = totals.Status[(int)StatusKind.Unauthorized401],
                RateLimited = totals.Status[(int)StatusKind.TooManyRequests429],
                P50 = recentLatency is null ? null : LatencyBuckets.PercentileMilliseconds(recentLatency, 0.50),
                P99 = recentLatency is null ? null : LatencyBuckets.PercentileMilliseconds(recentLatency, 0.99),
            });
        }

        views.Sort((a, b) => b.Requests.CompareTo(a.Requests));
        return views;
    }

    /// <summary>One replica: its snapshots of the last window (same process), oldest first.</summary>
    private sealed class ReplicaState
    {
        private readonly List<ReplicaSnapshot> _history = [];

        public ReplicaSnapshot Newest => _history[^1];

        public IReadOnlyList<ReplicaSnapshot> History => _history;

        public DateTimeOffset LastSeen { get; private set; }

        public bool IsGone(DateTimeOffset now, AggregatorOptions options) =>
            Newest.Stopping || now - LastSeen > Newest.Interval * options.MissedSnapshotsBeforeGone;

        /// <summary>
        /// Starts a new process's history: from a zero baseline at its start when every count it
        /// reports is new, else from this snapshot (counts before it are not ours to show).
        /// </summary>
        public void Restart(ReplicaSnapshot first, bool countFromZero)
        {
            _history.Clear();
            _history.Add(countFromZero ? Zero(first) : first);
        }

        public void Append(ReplicaSnapshot snapshot, DateTimeOffset now, TimeSpan span)
        {
            if (!ReferenceEquals(_history[^1], snapshot))
            {
                _history.Add(snapshot);
            }

            // Keep one snapshot at or before the window's start, as the window's baseline.
            while (_history.Count > 2 && _history[1].Timestamp <= snapshot.Timestamp - span)
            {
                _history.RemoveAt(0);
            }

            LastSeen = now;
        }

        private static ReplicaSnapshot Zero(ReplicaSnapshot first) => first with
        {
            Timestamp = first.StartedAt < first.Timestamp ? first.StartedAt : first.Timestamp,
            Sequence = 0,
            Stopping = false,
            Routes = [],
            Auth = new AuthCounters { BreakerState = first.Auth.BreakerState },
            RateLimit = new RateLimitCounters { BreakerState = first.RateLimit.BreakerState },
        };
    }

    /// <summary>Differences between each live replica's newest snapshot and its window baseline, summed.</summary>
    private sealed class WindowSum
    {
        private readonly Dictionary<string, double> _routeRates = new(StringComparer.Ordinal);

        public RateVector Rates { get; } = new();

        public long[] Latency { get; } = new long[LatencyBuckets.Count];

        public Dictionary<string, long[]> RouteLatency { get; } = new(StringComparer.Ordinal);

        public double LookupsRefusedPerSecond { get; private set; }

        public long Allowed { get; private set; }

        public long Rejected { get; private set; }

        public long Degraded { get; private set; }

        public long RedisCalls { get; private set; }

        public double AllowedPerSecond { get; private set; }

        public double RejectedPerSecond { get; private set; }

        public double DegradedPerSecond { get; private set; }

        public double RoutePerSecond(string route) => _routeRates.GetValueOrDefault(route);

        public void Add(ReplicaState replica, TimeSpan window)
        {
            var newest = replica.Newest;
            var baseline = replica.History[0];
            foreach (var candidate in replica.History)
            {
                if (candidate.Timestamp > newest.Timestamp - window)
                {
                    break;
                }

                baseline = candidate;
            }

            var elapsed = (newest.Timestamp - baseline.Timestamp).TotalSeconds;
            if (ReferenceEquals(baseline, newest) || elapsed <= 0)
            {
                return;
            }

            foreach (var route in newest.Routes)
            {
                var before = baseline.Routes.FirstOrDefault(r => r.Route == route.Route);
                var requests = Delta(route.Requests, before?.Requests);
                if (requests == 0)
                {
                    continue;
                }

                Rates.Requests += requests / elapsed;
                _routeRates[route.Route] = _routeRates.GetValueOrDefault(route.Route) + (requests / elapsed);
                for (var i = 0; i < StatusKinds && i < route.Status.Length; i++)
                {
                    Rates.Status[i] += Delta(route.Status[i], before?.Status.ElementAtOrDefault(i)) / elapsed;
                }

                if (!RouteLatency.TryGetValue(route.Route, out var routeLatency))
                {
                    routeLatency = new long[LatencyBuckets.Count];
                    RouteLatency.Add(route.Route, routeLatency);
                }

                for (var i = 0; i < LatencyBuckets.Count && i < route.Latency.Length; i++)
                {
                    var delta = Delta(route.Latency[i], before?.Latency.ElementAtOrDefault(i));
                    Latency[i] += delta;
                    routeLatency[i] += delta;
                }
            }

            LookupsRefusedPerSecond += Delta(newest.Auth.LookupsRefused, baseline.Auth.LookupsRefused) / elapsed;
            var allowed = Delta(newest.RateLimit.Allowed, baseline.RateLimit.Allowed);
            var rejected = Delta(Rejections(newest.RateLimit), Rejections(baseline.RateLimit));
            var degraded = Delta(Degradations(newest.RateLimit), Degradations(baseline.RateLimit));
            Allowed += allowed;
            Rejected += rejected;
            Degraded += degraded;
            RedisCalls += Delta(newest.RateLimit.RedisCalls, baseline.RateLimit.RedisCalls);
            AllowedPerSecond += allowed / elapsed;
            RejectedPerSecond += rejected / elapsed;
            DegradedPerSecond += degraded / elapsed;
        }
    }

    private sealed class RateVector
    {
        public double Requests { get; set; }

        public double[] Status { get; } = new double[StatusKinds];
    }

    private sealed class RouteTotals
    {
        public long Requests { get; set; }

        public long[] Status { get; } = new long[StatusKinds];
    }
}

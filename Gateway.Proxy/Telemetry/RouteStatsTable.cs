using System.Collections.Concurrent;
using Gateway.Contracts.Metrics;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Cumulative per-route counts and latency histograms for the dashboard snapshot. Recording is a
/// lock-free dictionary read plus three or four <see cref="Interlocked"/> increments; the table
/// is bounded (routes come from configuration, but a bound keeps a misconfiguration from growing
/// memory without limit) and later routes share an overflow row.
/// </summary>
internal sealed class RouteStatsTable
{
    public const int MaxRoutes = 128;
    public const string OverflowRoute = "(other)";

    private readonly ConcurrentDictionary<string, RouteStats> _routes = new(StringComparer.Ordinal);

    public void Record(string route, int statusCode, double seconds)
    {
        if (!_routes.TryGetValue(route, out var stats))
        {
            stats = _routes.Count < MaxRoutes
                ? _routes.GetOrAdd(route, static name => new RouteStats(name))
                : _routes.GetOrAdd(OverflowRoute, static name => new RouteStats(name));
        }

        stats.Record(statusCode, seconds);
    }

    public IReadOnlyList<RouteCounters> Read()
    {
        var rows = new List<RouteCounters>(_routes.Count);
        foreach (var stats in _routes.Values)
        {
            rows.Add(stats.Read());
        }

        return rows;
    }

    private sealed class RouteStats(string route)
    {
        private readonly long[] _status = new long[RouteCounters.StatusKinds];
        private readonly long[] _latency = new long[LatencyBuckets.Count];
        private long _requests;

        public void Record(int statusCode, double seconds)
        {
            Interlocked.Increment(ref _requests);
            var statusClass = statusCode / 100;
            if (statusClass is >= 2 and <= 5)
            {
                // StatusKind's first four members are the classes 2xx..5xx, in order.
                Interlocked.Increment(ref _status[statusClass - 2]);
            }

            var specific = statusCode switch
            {
                401 => StatusKind.Unauthorized401,
                403 => StatusKind.Forbidden403,
                429 => StatusKind.TooManyRequests429,
                503 => StatusKind.Unavailable503,
                _ => (StatusKind)(-1),
            };
            if (specific >= 0)
            {
                Interlocked.Increment(ref _status[(int)specific]);
            }

            Interlocked.Increment(ref _latency[LatencyBuckets.IndexOf(seconds)]);
        }

        public RouteCounters Read()
        {
            // Counts are read one by one while requests keep arriving: a snapshot may be a few
            // requests inconsistent between fields, never decreasing, which deltas absorb.
            var status = new long[_status.Length];
            for (var i = 0; i < status.Length; i++)
            {
                status[i] = Interlocked.Read(ref _status[i]);
            }

            var latency = new long[_latency.Length];
            for (var i = 0; i < latency.Length; i++)
            {
                latency[i] = Interlocked.Read(ref _latency[i]);
            }

            return new RouteCounters { Route = route, Requests = Interlocked.Read(ref _requests), Status = status, Latency = latency };
        }
    }
}

using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Every partition's <see cref="DistributedRateLimiter"/> (one per policy and user, credential or
/// client address), found without a lock and forgotten once idle for longer than its window.
/// </summary>
/// <remarks>
/// Why not the partitioned limiter of <see cref="PartitionedRateLimiter"/> that ASP.NET's rate
/// limiting middleware builds: it holds every partition behind one lock and, every 100 ms, walks
/// all of them (idle check, replenishment), disposing those idle for 10 s. With the tenant
/// workload's 10,000 keys (bench/tenants.sh) that walk alone was 5.3 µs of CPU per request and
/// the lock another 1.4 (perf, bench/results/2026-12-03-vm-tenants-profile.md), and the tail keys'
/// limiters were dropped and created again on almost every request, each time without the count
/// it had learned. Here the middleware sees one partition per policy (<see cref="PolicyLimiter"/>),
/// which hands each request to its key's limiter from this map. Our limiters need no heartbeat
/// (nothing replenishes on a timer); the sweep runs every 10 s and keeps a limiter for as long as
/// its window could still hold counts.
/// </remarks>
internal sealed class PartitionLimiters : IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Past this many partitions (clients rotating through addresses, say) the sweep forgets every
    /// limiter idle for one interval, whatever its window, as ASP.NET's partitioned limiter does
    /// always: a key that comes back then starts from Redis' count (strict, batched) or from the
    /// next sync (approximate), never from more than its limit locally. About 300 bytes each.
    /// </summary>
    internal int MaxPartitions { get; init; } = 1_000_000;

    private readonly ConcurrentDictionary<PartitionKey, RateLimiter> _limiters = new();
    private readonly Func<PartitionKey, RateLimiter> _create;
    private readonly ITimer _sweep;

    public PartitionLimiters(DistributedRateLimiterFactory factory, IOptionsMonitor<RateLimitingOptions> options, TimeProvider time, ProxyMetrics metrics)
        : this(key => factory.Create(key, options.CurrentValue), time, metrics)
    {
    }

    internal PartitionLimiters(Func<PartitionKey, RateLimiter> create, TimeProvider time, ProxyMetrics metrics)
    {
        _create = create;
        _sweep = time.CreateTimer(static state => ((PartitionLimiters)state!).Sweep(), this, SweepInterval, SweepInterval);
        metrics.Meter.CreateObservableGauge(
            "gateway.proxy.rate_limit.partitions", () => _limiters.Count, "{partition}", "Rate-limit partitions (policy and key) this replica holds a limiter for.");
    }

    public int Count => _limiters.Count;

    /// <summary>The limiter of <paramref name="key"/>, created on first use.</summary>
    public RateLimiter Get(PartitionKey key) =>
        _limiters.TryGetValue(key, out var limiter) ? limiter : _limiters.GetOrAdd(key, _create);

    /// <summary>
    /// Forgets the limiters idle for longer than their window (at least the sweep interval): their
    /// counts have run out, and Redis holds the shared ones. Not disposed: a request that found one
    /// just before may still be using it (they hold no timer or unmanaged state).
    /// </summary>
    internal void Sweep()
    {
        var crowded = _limiters.Count > MaxPartitions;
        foreach (var (key, limiter) in _limiters)
        {
            var keepFor = crowded ? SweepInterval : TimeSpan.FromSeconds(Math.Max(key.WindowSeconds, SweepInterval.TotalSeconds));
            if (limiter.IdleDuration is { } idle && idle > keepFor)
            {
                _limiters.TryRemove(new KeyValuePair<PartitionKey, RateLimiter>(key, limiter));
            }
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }

        _limiters.Clear();
    }
}

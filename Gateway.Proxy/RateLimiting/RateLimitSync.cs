using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Approximate mode's link to Redis. A limiter that admitted (or gave back) requests since its last
/// sync, or that needs a fresh count, queues itself here once; every
/// <see cref="RateLimitingOptions.SyncInterval"/> the queue is drained into script calls of up to
/// <see cref="RateLimitingOptions.MaxKeysPerSync"/> keys (one primary's keys per call on a cluster), sent
/// together, and each key's shared count comes back to its limiter.
/// </summary>
/// <remarks>
/// This is the design of Limitador's <c>redis_cached</c> storage and WSO2's local-async limiter:
/// the Redis work per request shrinks with traffic (a tick carries every key that had requests in
/// it), where per-key reservations (batched mode) still cost a round trip per request for keys
/// sending a request or two per second. Idle ticks send nothing.
/// </remarks>
internal sealed class RateLimitSync(RedisRateLimitStore store, IOptions<RateLimitingOptions> options, TimeProvider time, ILogger<RateLimitSync> logger)
    : BackgroundService
{
    private readonly ConcurrentQueue<DistributedRateLimiter> _queue = new();
    private readonly int _maxKeys = options.Value.MaxKeysPerSync;

    /// <summary>
    /// Tests only: send this process's clock (its <see cref="TimeProvider"/>) instead of letting
    /// Redis use its own, so that a simulated run's windows are exact.
    /// </summary>
    internal bool SendsClock { get; init; }

    /// <summary>Queues a limiter for the next tick (the limiter makes sure it is queued once).</summary>
    public void Enqueue(DistributedRateLimiter limiter) => _queue.Enqueue(limiter);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SyncInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SyncOnceAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Shutting down: what this replica admitted since the last tick still counts for the others.
        await SyncOnceAsync();
    }

    /// <summary>One tick: every queued limiter's admissions to Redis, every answer back.</summary>
    internal async Task SyncOnceAsync()
    {
        if (_queue.IsEmpty)
        {
            return;
        }

        // Grouped by what one call may carry (one server: everything; a cluster: a primary's keys,
        // or a slot's), split into calls of at most _maxKeys.
        var groups = new Dictionary<SyncGroup, List<SyncEntry>>();
        while (_queue.TryDequeue(out var limiter))
        {
            var entry = limiter.BeginSync();
            var key = store.SyncGroupOf(limiter.RedisKey);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = [];
            }

            group.Add(entry);
        }

        var calls = new List<Task>();
        foreach (var (key, group) in groups)
        {
            for (var offset = 0; offset < group.Count; offset += _maxKeys)
            {
                calls.Add(SendAsync(group.GetRange(offset, Math.Min(_maxKeys, group.Count - offset)), key.OneSlot));
            }
        }

        await Task.WhenAll(calls);
    }

    private async Task SendAsync(List<SyncEntry> entries, bool oneSlot)
    {
        var answer = await CallAsync(entries, oneSlot);
        if (answer.WrongNode && !oneSlot)
        {
            // A slot of this node moved (or is moving) since the client learnt the map: this tick's
            // keys go slot by slot, where the client follows MOVED and ASK and learns the new map.
            await Task.WhenAll(entries.GroupBy(entry => store.SlotOf(entry.Limiter.RedisKey))
                .Select(slot => SendAsync(slot.ToList(), oneSlot: true)));
            return;
        }

        var now = time.GetTimestamp();
        for (var i = 0; i < entries.Count; i++)
        {
            var (limiter, delta) = entries[i];
            if (answer.Values is not { } values)
            {
                limiter.SyncFailed(delta);
            }
            else
            {
                limiter.Synced(delta, (long)values[3 * i], (long)values[3 * i + 1], (long)values[3 * i + 2], now);
            }
        }
    }

    private async Task<SyncAnswer> CallAsync(List<SyncEntry> entries, bool oneSlot)
    {
        // Keys declared to Redis: all of them when they share a slot (what a proxy in front of
        // Redis routes by, too); in a node's group only the first, which routes the call.
        var route = new RedisKey[oneSlot ? entries.Count : 1];
        var arguments = new RedisValue[1 + (entries.Count * 4) + (SendsClock ? 1 : 0)];
        arguments[0] = entries.Count;
        if (SendsClock)
        {
            arguments[^1] = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var (limiter, delta) = entries[i];
            if (i < route.Length)
            {
                route[i] = limiter.RedisKey;
                arguments[(4 * i) + 1] = RedisValue.EmptyString;
            }
            else
            {
                arguments[(4 * i) + 1] = limiter.RedisKeyName;
            }

            arguments[(4 * i) + 2] = limiter.Spec.Limit;
            arguments[(4 * i) + 3] = limiter.Spec.WindowSeconds * 1_000_000L;
            arguments[(4 * i) + 4] = delta;
        }

        try
        {
            return await store.SyncAsync(route, arguments, entries.Count);
        }
        catch (Exception ex)
        {
            // SyncAsync turns Redis failures into an empty answer; anything else is a bug, but must not stop the loop.
            logger.LogError(ex, "Rate-limit sync failed unexpectedly.");
            return default;
        }
    }
}

using System.Threading.RateLimiting;
using Gateway.Contracts.Redis;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary>
/// Accuracy with many keys at once and two replicas (two independent limiter stacks, each with its
/// own Redis connection, like two proxy processes) against a real redis-server: strict and batched
/// never admit more than the limit; approximate mode stays within its documented bound and is not
/// trivially loose (a key offered twice its limit is refused about half the time). Run against one
/// server (<see cref="SingleRedisManyKeysAccuracyTests"/>) and a cluster
/// (<see cref="ClusterManyKeysAccuracyTests"/>, connected as the proxy's ACL user).
/// </summary>
public abstract class ManyKeysAccuracyTests(IRedisFixture redis, ITestOutputHelper output)
{
    private const int Replicas = 2;

    [Theory]
    [InlineData("Strict")]
    [InlineData("Batched")]
    public async Task StrictAndBatched_FiftyKeysBurstingAcrossTwoReplicas_NeverAdmitMoreThanTheLimit(string modeName)
    {
        var mode = Enum.Parse<RateLimitMode>(modeName);
        const int Keys = 50;
        const int Limit = 10;
        var policy = "acc-" + Guid.NewGuid().ToString("N")[..8];
        await using var a = await ReplicaAsync(TimeProvider.System);
        await using var b = await ReplicaAsync(TimeProvider.System);

        // An hour's window: a burst of a second cannot straddle two windows.
        var admitted = await Task.WhenAll(Enumerable.Range(0, Keys).Select(async k =>
        {
            var limiters = new[] { Create(a, policy, k, Limit, 3600, mode), Create(b, policy, k, Limit, 3600, mode) };
            var leases = await Task.WhenAll(Enumerable.Range(0, 4 * Limit).Select(async i => await limiters[i % Replicas].AcquireAsync()));
            return leases.Count(lease => lease.IsAcquired);
        }));

        if (mode == RateLimitMode.Strict)
        {
            Assert.All(admitted, count => Assert.Equal(Limit, count));
        }
        else
        {
            // Never over; under by at most what the replicas' slices hold back (docs/rate-limiting.md, batched mode).
            Assert.All(admitted, count => Assert.InRange(count, 1, Limit));
        }
    }

    [Fact]
    public async Task Approximate_HundredKeysAtTwiceTheirLimitAcrossTwoReplicas_AdmitTheLimitWithinTheBound()
    {
        const int Keys = 100;
        const int Limit = 1000;
        const int WindowSeconds = 1;
        const int Windows = 8;
        const int SyncEveryMs = 10;

        // Simulated time, sent to Redis as the scripts' clock: windows and ticks are exact, whatever
        // the speed of the test host. Starts on a window boundary.
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var policy = "acc-" + Guid.NewGuid().ToString("N")[..8];
        await using var a = await ReplicaAsync(time, sendsClock: true);
        await using var b = await ReplicaAsync(time, sendsClock: true);
        var limiters = new[]
        {
            Enumerable.Range(0, Keys).Select(k => Create(a, policy, k, Limit, WindowSeconds, RateLimitMode.Approximate)).ToArray(),
            Enumerable.Range(0, Keys).Select(k => Create(b, policy, k, Limit, WindowSeconds, RateLimitMode.Approximate)).ToArray(),
        };

        // Every key is offered 2,000 requests a second, one per millisecond on each replica; both
        // replicas sync every 10 ms.
        var admitted = new int[Keys];
        var offered = 0;
        var callsBefore = a.RedisCalls + b.RedisCalls;
        for (var ms = 0; ms < Windows * WindowSeconds * 1000; ms++)
        {
            for (var k = 0; k < Keys; k++)
            {
                for (var r = 0; r < Replicas; r++)
                {
                    using var lease = limiters[r][k].AttemptAcquire();
                    admitted[k] += lease.IsAcquired ? 1 : 0;
                }
            }

            offered += Replicas;
            time.Advance(TimeSpan.FromMilliseconds(1));
            if (ms % SyncEveryMs == SyncEveryMs - 1)
            {
                await Task.WhenAll(a.Sync.SyncOnceAsync(), b.Sync.SyncOnceAsync());
            }
        }

        // The bound (docs/rate-limiting.md, approximate mode): a replica's count may miss what the other replicas
        // admitted in up to two sync intervals (their tick may come just after its own, and the next
        // one an interval later), here 1 × 1 request/ms × 20 ms, per window; plus one for rounding.
        const int Bound = ((Replicas - 1) * 2 * SyncEveryMs) + 1;
        var ceiling = Windows * (Limit + Bound);
        Assert.All(admitted, count => Assert.InRange(count, 1, ceiling));

        // Not trivially loose: offered twice the limit, about half is refused.
        var refusedShare = 1 - (admitted.Average() / offered);
        Assert.InRange(refusedShare, 0.45, 0.55);

        // Redis calls: one per replica per tick for all hundred keys (per primary on a cluster,
        // though each key has a slot of its own), not one per request nor one per slot.
        var calls = a.RedisCalls + b.RedisCalls - callsBefore;
        var slots = limiters[0].Select(limiter => a.Store.SlotOf(limiter.RedisKey)).Distinct().Count();
        var groups = limiters[0].Select(limiter => a.Store.SyncGroupOf(limiter.RedisKey)).Distinct().Count();
        output.WriteLine($"{calls} Redis calls for {offered * Keys} decisions ({(double)calls / (offered * Keys):F4} per decision), keys on {slots} slots, {groups} sync groups");
        Assert.Equal(redis.Primaries, groups);
        Assert.InRange(calls, 1, Replicas * groups * (Windows * WindowSeconds * 1000 / SyncEveryMs));
    }

    [Fact]
    public async Task Approximate_ReplicaLearnsTheOthersAdmissions_AtTheNextTick()
    {
        const int Limit = 10;
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var policy = "acc-" + Guid.NewGuid().ToString("N")[..8];
        await using var a = await ReplicaAsync(time, sendsClock: true);
        await using var b = await ReplicaAsync(time, sendsClock: true);
        var onA = Create(a, policy, 0, Limit, 60, RateLimitMode.Approximate);
        var onB = Create(b, policy, 0, Limit, 60, RateLimitMode.Approximate);

        for (var i = 0; i < Limit; i++)
        {
            using var lease = onA.AttemptAcquire();
            Assert.True(lease.IsAcquired);
        }

        // A is full by its own count, before any sync.
        using (var refused = onA.AttemptAcquire())
        {
            Assert.False(refused.IsAcquired);
        }

        await a.Sync.SyncOnceAsync();
        Assert.Equal(Limit, (int)await redis.Redis.GetDatabase().HashGetAsync($"{{gw:rl:{policy}:k0}}", "c"));

        // B has not synced: its count is stale and it admits one...
        using (var stale = onB.AttemptAcquire())
        {
            Assert.True(stale.IsAcquired);
        }

        // ...and after its tick it knows the key is full (and Redis counted the extra one).
        await b.Sync.SyncOnceAsync();
        using (var refused = onB.AttemptAcquire())
        {
            Assert.False(refused.IsAcquired);
            Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
            Assert.True(retryAfter > TimeSpan.Zero);
        }

        Assert.Equal(Limit + 1, (int)await redis.Redis.GetDatabase().HashGetAsync($"{{gw:rl:{policy}:k0}}", "c"));
    }

    private Task<LimiterStack> ReplicaAsync(TimeProvider time, bool sendsClock = false) =>
        LimiterStack.ConnectAsync(redis.ConfigurationFor(RedisUsers.Proxy), time, sendsClock);

    private static DistributedRateLimiter Create(LimiterStack replica, string policy, int key, int limit, int windowSeconds, RateLimitMode mode)
    {
        var cap = mode == RateLimitMode.Batched ? Math.Max(1, limit / (Replicas * 10)) : 1;
        return replica.Create(new RateLimitSpec(policy, "k" + key, limit, windowSeconds, mode, cap, MaxBatchSize: 1000, RateLimitFailMode.Closed, Replicas));
    }
}

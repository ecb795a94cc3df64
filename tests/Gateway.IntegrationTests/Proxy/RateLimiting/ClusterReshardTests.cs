using Gateway.Contracts.Redis;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.RateLimiting;
using Gateway.TestSupport;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary>
/// A slot moved to another primary while strict decisions on its key keep coming (issue #21,
/// acceptance 4): the client follows <c>ASK</c> while the slot is half moved and <c>MOVED</c>
/// after, and no decision fails: every request admitted, none answered by the fail mode, and the
/// count in Redis is exactly the admissions, on the new primary.
/// </summary>
public sealed class ClusterReshardTests(RedisClusterFixture cluster, ITestOutputHelper output) : IClassFixture<RedisClusterFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SlotMovedDuringTraffic_NoDecisionFails_CountKeptOnTheNewPrimary()
    {
        var policy = "reshard-" + Guid.NewGuid().ToString("N")[..8];
        await using var replica = await LimiterStack.ConnectAsync(cluster.ConfigurationFor(RedisUsers.Proxy));
        // Fail closed: a decision Redis did not make is a refusal this test sees.
        using var limiter = replica.Create(Spec(policy, "k0", RateLimitMode.Strict));
        var slot = replica.Connection.HashSlot(limiter.RedisKey);
        var source = await cluster.PrimaryOfSlotAsync(slot);
        var target = (await cluster.PrimariesAsync()).First(port => port != source);

        var admitted = 0;
        var refused = 0;
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var lease = await limiter.AcquireAsync();
                if (lease.IsAcquired)
                {
                    Interlocked.Increment(ref admitted);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });

        await WaitForMoreAsync(100, "traffic before the move");
        await cluster.MoveSlotAsync(slot, target, whileMigrating: () => WaitForMoreAsync(100, "traffic while the slot is half moved"));
        await WaitForMoreAsync(100, "traffic after the move");
        await stop.CancelAsync();
        await traffic;

        output.WriteLine($"slot {slot} moved {source} -> {target}; {admitted} admitted, {refused} refused");
        Assert.Equal(0, refused);
        Assert.Equal(target, await cluster.PrimaryOfKeyAsync(limiter.RedisKey));
        // The sliding window's two counts (this window's, the previous one's: the run may cross an
        // hour) hold every admission, no more, no less: nothing was lost or counted twice in the move.
        var counts = await cluster.Redis.GetDatabase().HashGetAsync(limiter.RedisKey, ["c", "p"]);
        Assert.Equal(admitted, (long)counts[0] + (counts[1].IsNull ? 0 : (long)counts[1]));

        async Task WaitForMoreAsync(int more, string what)
        {
            var from = Volatile.Read(ref admitted) + Volatile.Read(ref refused);
            await Poll.UntilAsync(_ => Task.FromResult(Volatile.Read(ref admitted) + Volatile.Read(ref refused) >= from + more ? what : null), Deadline, what);
        }
    }

    /// <summary>
    /// Approximate mode sends one call per primary for keys on many of its slots. When one of those
    /// slots moves, the node no longer serves a key of the call (while half moved: the key may be on
    /// the target already; after: the client's map is stale): the keys go slot by slot in the same
    /// tick, so no tick fails and the fail mode (closed here) never decides.
    /// </summary>
    [Fact]
    public async Task Approximate_SlotOfANodesCallMoved_NoTickFails_EveryAdmissionCountedOnce()
    {
        var policy = "reshard-approx-" + Guid.NewGuid().ToString("N")[..8];
        await using var replica = await LimiterStack.ConnectAsync(cluster.ConfigurationFor(RedisUsers.Proxy));
        var (store, sync) = (replica.Store, replica.Sync);
        var limiters = Enumerable.Range(0, 400).Select(k => replica.Create(Spec(policy, "k" + k, RateLimitMode.Approximate))).ToList();
        // Twenty keys on twenty slots of the first key's primary: one call per tick carries them all.
        var group = store.SyncGroupOf(limiters[0].RedisKey);
        Assert.NotNull(group.Node);
        var onOneNode = limiters.Where(limiter => store.SyncGroupOf(limiter.RedisKey) == group)
            .DistinctBy(limiter => store.SlotOf(limiter.RedisKey)).Take(20).ToList();
        Assert.Equal(20, onOneNode.Count);
        var slot = store.SlotOf(onOneNode[0].RedisKey);
        var source = await cluster.PrimaryOfSlotAsync(slot);
        var target = (await cluster.PrimariesAsync()).First(port => port != source);

        var admitted = new long[onOneNode.Count];
        var refused = 0L;
        var ticks = 0;
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < onOneNode.Count; i++)
                {
                    using var lease = onOneNode[i].AttemptAcquire();
                    if (lease.IsAcquired)
                    {
                        admitted[i]++;
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                    }
                }

                await sync.SyncOnceAsync();
                Interlocked.Increment(ref ticks);
            }
        });

        var callsBefore = replica.RedisCalls;
        await WaitForTicksAsync(50, "ticks before the move");
        await cluster.MoveSlotAsync(slot, target, whileMigrating: () => WaitForTicksAsync(50, "ticks while the slot is half moved"));
        await WaitForTicksAsync(50, "ticks after the move");
        await stop.CancelAsync();
        await traffic;
        // Last tick: every admission in Redis.
        await sync.SyncOnceAsync();

        var calls = replica.RedisCalls - callsBefore;
        output.WriteLine($"slot {slot} moved {source} -> {target}; {ticks} ticks, {calls} Redis calls, {admitted.Sum()} admitted, {refused} refused");
        Assert.Equal(0, refused);
        Assert.Equal(target, await cluster.PrimaryOfKeyAsync(onOneNode[0].RedisKey));
        for (var i = 0; i < onOneNode.Count; i++)
        {
            var counts = await cluster.Redis.GetDatabase().HashGetAsync(onOneNode[i].RedisKey, ["c", "p"]);
            Assert.Equal(admitted[i], (long)counts[0] + (counts[1].IsNull ? 0 : (long)counts[1]));
        }

        // Once the client knows the new map, the moved key travels with the target's own keys: the
        // source's call and the target's, so a tick still costs about one call per primary involved.
        foreach (var limiter in onOneNode.Skip(1))
        {
            Assert.Equal(group, store.SyncGroupOf(limiter.RedisKey));
        }

        Assert.NotEqual(group, store.SyncGroupOf(onOneNode[0].RedisKey));

        async Task WaitForTicksAsync(int more, string what)
        {
            var from = Volatile.Read(ref ticks);
            await Poll.UntilAsync(_ => Task.FromResult(Volatile.Read(ref ticks) >= from + more ? what : null), Deadline, what);
        }
    }

    /// <summary>A limit no test reaches, failing closed: any decision Redis did not make is a refusal the test counts.</summary>
    private static RateLimitSpec Spec(string policy, string key, RateLimitMode mode) =>
        new(policy, key, Limit: 1_000_000, WindowSeconds: 3600, mode, SliceCap: 1, MaxBatchSize: 1000, RateLimitFailMode.Closed, Replicas: 1);
}

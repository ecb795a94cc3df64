using Gateway.Contracts.Redis;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.RateLimiting;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary><see cref="ManyKeysAccuracyTests"/> against a Redis Cluster of three primaries, as the proxy's ACL user.</summary>
public sealed class ClusterManyKeysAccuracyTests(RedisClusterFixture cluster, ITestOutputHelper output)
    : ManyKeysAccuracyTests(cluster, output), IClassFixture<RedisClusterFixture>
{
    /// <summary>
    /// <see cref="RateLimitSyncGrouping.Slot"/> (for Redis-compatible services that refuse undeclared
    /// keys): one call per slot, every key declared, and the same counts.
    /// </summary>
    [Fact]
    public async Task SlotGrouping_OneCallPerSlot_SameCounts()
    {
        var policy = "slots-" + Guid.NewGuid().ToString("N")[..8];
        await using var replica = await LimiterStack.ConnectAsync(
            cluster.ConfigurationFor(RedisUsers.Proxy), configure: options => options.SyncGrouping = RateLimitSyncGrouping.Slot);
        var store = replica.Store;
        var limiters = Enumerable.Range(0, 30)
            .Select(k => replica.Create(new RateLimitSpec(policy, "k" + k, Limit: 100, WindowSeconds: 3600, RateLimitMode.Approximate, SliceCap: 1, MaxBatchSize: 1000, RateLimitFailMode.Closed, Replicas: 1)))
            .ToList();
        for (var k = 0; k < limiters.Count; k++)
        {
            for (var i = 0; i <= k; i++)
            {
                using var lease = limiters[k].AttemptAcquire();
                Assert.True(lease.IsAcquired);
            }
        }

        var slots = limiters.Select(limiter => store.SlotOf(limiter.RedisKey)).Distinct().Count();
        Assert.Equal(slots, limiters.Select(limiter => store.SyncGroupOf(limiter.RedisKey)).Distinct().Count());
        var callsBefore = replica.RedisCalls;
        await replica.Sync.SyncOnceAsync();

        Assert.Equal(slots, replica.RedisCalls - callsBefore);
        for (var k = 0; k < limiters.Count; k++)
        {
            Assert.Equal(k + 1, (int)await cluster.Redis.GetDatabase().HashGetAsync(limiters[k].RedisKey, "c"));
        }
    }
}

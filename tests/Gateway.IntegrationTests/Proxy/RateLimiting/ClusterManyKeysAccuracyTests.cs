using Gateway.Contracts.Redis;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
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
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConfigurationFor(RedisUsers.Proxy));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton<IConnectionMultiplexer>(connection);
        services.AddOptions<RateLimitingOptions>().Configure(options =>
        {
            options.RedisTimeout = TimeSpan.FromSeconds(10);
            options.SyncGrouping = RateLimitSyncGrouping.Slot;
        });
        services.AddRedisRateLimitStore();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<RedisRateLimitStore>();
        var metrics = provider.GetRequiredService<ProxyMetrics>();
        // Not started: the test drives the tick.
        using var sync = new RateLimitSync(store, Options.Create(new RateLimitingOptions()), TimeProvider.System, NullLogger<RateLimitSync>.Instance);
        var limiters = Enumerable.Range(0, 30)
            .Select(k => new DistributedRateLimiter(
                new RateLimitSpec(policy, "k" + k, Limit: 100, WindowSeconds: 3600, RateLimitMode.Approximate, SliceCap: 1, MaxBatchSize: 1000, RateLimitFailMode.Closed, Replicas: 1),
                store, TimeProvider.System, metrics, sync))
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
        var callsBefore = metrics.ReadRateLimitCounters().RedisCalls;
        await sync.SyncOnceAsync();

        Assert.Equal(slots, metrics.ReadRateLimitCounters().RedisCalls - callsBefore);
        for (var k = 0; k < limiters.Count; k++)
        {
            Assert.Equal(k + 1, (int)await cluster.Redis.GetDatabase().HashGetAsync(limiters[k].RedisKey, "c"));
        }
    }
}

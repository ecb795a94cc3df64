using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary>
/// Batched mode sizes its slices from the key's traffic: a hot key asks Redis a few times per
/// second whatever its rate, a quiet key holds almost nothing back. Slice sizing as a function,
/// then the limiter against a real redis-server with the proxy's clock faked.
/// </summary>
public sealed class BatchedSliceTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly RateLimitSpec Spec = new("test", "k", 1_000_000, 86_400, RateLimitMode.Batched, SliceCap: 500, MaxBatchSize: 1000, RateLimitFailMode.Closed, Replicas: 2);

    [Theory]
    [InlineData(0, 0, 0, 1)] // first reservation, nobody waiting: one permit
    [InlineData(0, 0, 40, 40)] // first reservation of a burst: what is waiting
    [InlineData(10, 1000, 0, 1)] // 10 req/s: a tenth of a second is one request
    [InlineData(100, 100, 0, 100)] // 1,000 req/s: 100 per 100 ms
    [InlineData(5000, 100, 0, 500)] // 50,000 req/s: capped
    [InlineData(5000, 0, 0, 500)] // no measurable time: capped
    [InlineData(3, 100, 800, 800)] // a burst waiting: up to MaxBatchSize, spent at once
    [InlineData(3, 100, 5000, 1000)]
    public void SliceSize_FollowsTraffic_WithinTheCap(int consumed, int elapsedMs, int waiters, int expected) =>
        Assert.Equal(expected, DistributedRateLimiter.SliceSize(consumed, TimeSpan.FromMilliseconds(elapsedMs), waiters, Spec));

    [Fact]
    public async Task HotKey_FewRoundTrips_QuietKey_HoldsAlmostNothingBack()
    {
        await using var services = Services();
        var metrics = services.GetRequiredService<ProxyMetrics>();
        var store = services.GetRequiredService<RedisRateLimitStore>();
        var time = new FakeTimeProvider();

        // 3,000 requests at 1,000 per second: slices grow to ~100 (SliceTarget 100 ms), so a few
        // dozen round trips instead of 3,000 (strict) or 60 (fixed slices of 50).
        var hot = new DistributedRateLimiter(Spec with { Key = Guid.NewGuid().ToString("N") }, store, time, metrics);
        var callsBefore = metrics.ReadRateLimitCounters().RedisCalls;
        for (var i = 0; i < 3000; i++)
        {
            using var lease = await hot.AcquireAsync();
            Assert.True(lease.IsAcquired);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var hotCalls = metrics.ReadRateLimitCounters().RedisCalls - callsBefore;
        Assert.InRange(hotCalls, 3, 50);

        // 20 requests a second apart: one permit at a time (the next reserved ahead), so what
        // Redis counts beyond the admitted requests is at most that one permit.
        var quietKey = Guid.NewGuid().ToString("N");
        var quiet = new DistributedRateLimiter(Spec with { Key = quietKey }, store, time, metrics);
        for (var i = 0; i < 20; i++)
        {
            using var lease = await quiet.AcquireAsync();
            Assert.True(lease.IsAcquired);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // Every admitted request's permit was reserved before it was admitted; the reservation made
        // ahead after the last one may or may not have landed yet.
        var reserved = (int)await redis.Redis.GetDatabase().HashGetAsync($"{{gw:rl:test:{quietKey}}}", "c");
        Assert.InRange(reserved, 20, 21);
    }

    private ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton(redis.Redis);
        // The test is about slice sizing: a healthy Redis slowed by a busy test host (other test
        // classes starting whole AppHosts on the same 2 cores) must not trip the fail mode, which
        // the default 1 s bound did once in CI.
        services.AddOptions<RateLimitingOptions>().Configure(options => options.RedisTimeout = TimeSpan.FromSeconds(10));
        services.AddRedisRateLimitStore();
        return services.BuildServiceProvider();
    }
}

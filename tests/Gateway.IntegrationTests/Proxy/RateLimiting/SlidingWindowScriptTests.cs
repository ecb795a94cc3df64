using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.RateLimiting;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary>
/// The Lua decision logic, run by a real redis-server with the clock injected (ARGV[4]), so that
/// window edges and bursts are exact and repeatable.
/// </summary>
public sealed class SlidingWindowScriptTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const long Second = 1_000_000;
    private const long Window = 10 * Second;
    private const int Limit = 10;

    // A fixed epoch-aligned instant: window index 170_000_000 starts here.
    private const long WindowStart = 1_700_000_000 * Second;

    private readonly string _key = "{gw:rl:test:" + Guid.NewGuid().ToString("N") + "}";

    [Fact]
    public async Task Burst_InOneWindow_GrantsExactlyLimit_RejectionsDoNotCount()
    {
        var granted = 0;
        for (var i = 0; i < 3 * Limit; i++)
        {
            granted += (await DecideAsync(WindowStart + Second + i, requested: 1)).Granted;
        }

        Assert.Equal(Limit, granted);
        Assert.Equal(Limit, (int)await redis.Redis.GetDatabase().HashGetAsync(_key, "c"));
    }

    [Fact]
    public async Task Rejection_WhenWindowFull_RetryAfterPointsToFirstAdmission()
    {
        for (var i = 0; i < Limit; i++)
        {
            await DecideAsync(WindowStart + (2 * Second), 1);
        }

        var rejected = await DecideAsync(WindowStart + (4 * Second), 1);
        Assert.Equal(0, rejected.Granted);
        Assert.Equal(0, rejected.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(6), rejected.Reset);

        // 6 s left in this window, then 1/limit of the next one for the previous count to decay.
        var expected = TimeSpan.FromSeconds(6 + (10.0 / Limit));
        Assert.Equal(expected, rejected.RetryAfter);

        var tooEarly = await DecideAsync(WindowStart + (4 * Second) + (long)(expected.TotalMicroseconds) - 1000, 1);
        Assert.Equal(0, tooEarly.Granted);
        var onTime = await DecideAsync(WindowStart + (4 * Second) + (long)expected.TotalMicroseconds, 1);
        Assert.Equal(1, onTime.Granted);
    }

    [Fact]
    public async Task WindowEdge_PreviousWindowWeighsByOverlap()
    {
        for (var i = 0; i < Limit; i++)
        {
            await DecideAsync(WindowStart + (9 * Second), 1);
        }

        // 30% into the next window, 70% of the previous count still weighs: 7 → 3 available.
        var next = await DecideAsync(WindowStart + Window + (3 * Second), requested: 5);
        Assert.Equal(3, next.Granted);
        Assert.Equal(0, next.Remaining);

        // Two windows later nothing weighs any more.
        var later = await DecideAsync(WindowStart + (3 * Window), requested: Limit);
        Assert.Equal(Limit, later.Granted);
    }

    [Fact]
    public async Task BatchReservation_GrantsWhatIsLeft_NeverMore()
    {
        var first = await DecideAsync(WindowStart, requested: 4);
        var second = await DecideAsync(WindowStart + 1, requested: 4);
        var third = await DecideAsync(WindowStart + 2, requested: 4);
        var fourth = await DecideAsync(WindowStart + 3, requested: 4);

        Assert.Equal([4, 4, 2, 0], new[] { first.Granted, second.Granted, third.Granted, fourth.Granted });
        Assert.Equal(6, first.Remaining);
        Assert.Equal(0, third.Remaining);
    }

    [Fact]
    public async Task IdleKey_ExpiresAfterTwoWindows()
    {
        await DecideAsync(WindowStart, 1);

        var ttl = await redis.Redis.GetDatabase().KeyTimeToLiveAsync(_key);

        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(19), TimeSpan.FromSeconds(20));
    }

    private async Task<RedisDecision> DecideAsync(long nowMicroseconds, int requested)
    {
        var result = (RedisValue[]?)await redis.Redis.GetDatabase().ScriptEvaluateAsync(
            RedisRateLimitStore.LoadScript(), [_key], [Limit, Window, requested, nowMicroseconds]);
        return RedisRateLimitStore.Parse(result) ?? throw new Xunit.Sdk.XunitException("unexpected script result");
    }
}

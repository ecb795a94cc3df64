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

    [Fact]
    public async Task MidWindowGrant_ChangesOnlyTheCount_KeepsTheExpirySetOnEnteringTheWindow()
    {
        var database = redis.Redis.GetDatabase();
        await DecideAsync(WindowStart + Second, 1);
        // Stand-in for real time passing: the expiry now ends sooner than a fresh one would.
        await database.KeyExpireAsync(_key, TimeSpan.FromSeconds(5));

        var grant = await DecideAsync(WindowStart + (2 * Second), 1);
        var state = await database.HashGetAllAsync(_key);

        Assert.Equal(1, grant.Granted);
        Assert.Equal(["2", "0", "170000000"], Fields(state, "c", "p", "w"));
        Assert.InRange(await database.KeyTimeToLiveAsync(_key) ?? TimeSpan.MaxValue, TimeSpan.Zero, TimeSpan.FromSeconds(5));

        // Entering the next window writes the whole state and a fresh expiry.
        await DecideAsync(WindowStart + Window + Second, 1);

        Assert.Equal(["1", "2", "170000001"], Fields(await database.HashGetAllAsync(_key), "c", "p", "w"));
        Assert.InRange(await database.KeyTimeToLiveAsync(_key) ?? TimeSpan.Zero, TimeSpan.FromSeconds(19), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Sync_MidWindow_AddsToTheCountOnly_RollWritesStateAndExpiry()
    {
        var database = redis.Redis.GetDatabase();
        var entered = await SyncAsync(WindowStart + Second, delta: 3);
        await database.KeyExpireAsync(_key, TimeSpan.FromSeconds(5));

        var added = await SyncAsync(WindowStart + (2 * Second), delta: 2);
        var unchanged = await SyncAsync(WindowStart + (3 * Second), delta: 0);

        Assert.Equal([3, 5, 5], [entered, added, unchanged]);
        Assert.Equal(["5", "0", "170000000"], Fields(await database.HashGetAllAsync(_key), "c", "p", "w"));
        Assert.InRange(await database.KeyTimeToLiveAsync(_key) ?? TimeSpan.MaxValue, TimeSpan.Zero, TimeSpan.FromSeconds(5));

        // Half-way into the next window the previous one weighs half: ceil(5 * 0.5 + 1) = 4.
        var rolled = await SyncAsync(WindowStart + Window + (Window / 2), delta: 1);

        Assert.Equal(4, rolled);
        Assert.Equal(["1", "5", "170000001"], Fields(await database.HashGetAllAsync(_key), "c", "p", "w"));
        Assert.InRange(await database.KeyTimeToLiveAsync(_key) ?? TimeSpan.Zero, TimeSpan.FromSeconds(19), TimeSpan.FromSeconds(20));
    }

    private static string[] Fields(HashEntry[] entries, params string[] names) =>
        [.. names.Select(name => (string?)entries.SingleOrDefault(entry => entry.Name == name).Value ?? "")];

    /// <summary>One key through the approximate mode's sync script; returns the window's count.</summary>
    private async Task<long> SyncAsync(long nowMicroseconds, int delta)
    {
        var result = (RedisValue[]?)await redis.Redis.GetDatabase().ScriptEvaluateAsync(
            RedisRateLimitStore.LoadScript("sliding_window_sync.lua"), [_key], [1, "", Limit, Window, delta, nowMicroseconds]);
        return result is { Length: 3 } ? (long)result[0] : throw new Xunit.Sdk.XunitException("unexpected sync result");
    }

    private async Task<RedisDecision> DecideAsync(long nowMicroseconds, int requested)
    {
        var result = (RedisValue[]?)await redis.Redis.GetDatabase().ScriptEvaluateAsync(
            RedisRateLimitStore.LoadScript(), [_key], [Limit, Window, requested, nowMicroseconds]);
        return RedisRateLimitStore.Parse(result) ?? throw new Xunit.Sdk.XunitException("unexpected script result");
    }
}

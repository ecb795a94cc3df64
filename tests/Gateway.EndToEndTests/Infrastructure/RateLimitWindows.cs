using Gateway.TestSupport;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>The rate limiter's clock: Redis <c>TIME</c>, which its scripts decide by.</summary>
public static class RateLimitWindows
{
    public static async Task<DateTimeOffset> RedisNowAsync(IConnectionMultiplexer redis) =>
        new(await redis.GetServer(redis.GetEndPoints()[0]).TimeAsync(), TimeSpan.Zero);

    /// <summary>The number of the fixed window <paramref name="time"/> falls in.</summary>
    public static long WindowOf(DateTimeOffset time, int windowSeconds) => time.ToUnixTimeMilliseconds() / (windowSeconds * 1000L);

    /// <summary>Waits (polling Redis's clock) until a window has just begun: less than a second into it.</summary>
    public static async Task<DateTimeOffset> WaitForStartAsync(IConnectionMultiplexer redis, int windowSeconds)
    {
        var start = await Poll.UntilAsync<object>(
            async _ =>
            {
                var now = await RedisNowAsync(redis);
                return now.ToUnixTimeMilliseconds() % (windowSeconds * 1000) < 1000 ? now : null;
            },
            TimeSpan.FromSeconds(2 * windowSeconds),
            "the start of a rate-limit window");
        return (DateTimeOffset)start;
    }
}

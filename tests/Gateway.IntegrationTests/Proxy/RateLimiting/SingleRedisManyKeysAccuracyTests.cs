using Gateway.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary><see cref="ManyKeysAccuracyTests"/> against one redis-server.</summary>
public sealed class SingleRedisManyKeysAccuracyTests(RedisServerFixture redis, ITestOutputHelper output)
    : ManyKeysAccuracyTests(redis, output), IClassFixture<RedisServerFixture>;

using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Auth.Security;

/// <summary><see cref="LoginThrottleTests"/> against one redis-server.</summary>
public sealed class SingleRedisLoginThrottleTests(RedisServerFixture redis)
    : LoginThrottleTests(redis), IClassFixture<RedisServerFixture>;

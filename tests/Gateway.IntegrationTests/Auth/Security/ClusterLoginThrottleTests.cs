using Gateway.IntegrationTests.Infrastructure;

namespace Gateway.IntegrationTests.Auth.Security;

/// <summary><see cref="LoginThrottleTests"/> against a Redis Cluster, as the auth service's ACL user.</summary>
public sealed class ClusterLoginThrottleTests(RedisClusterFixture cluster)
    : LoginThrottleTests(cluster), IClassFixture<RedisClusterFixture>;

using Gateway.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary><see cref="ManyKeysAccuracyTests"/> against a Redis Cluster of three primaries, as the proxy's ACL user.</summary>
public sealed class ClusterManyKeysAccuracyTests(RedisClusterFixture cluster, ITestOutputHelper output)
    : ManyKeysAccuracyTests(cluster, output), IClassFixture<RedisClusterFixture>;

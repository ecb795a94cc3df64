using Gateway.Contracts.Redis;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// What a test needs from a Redis it runs against, so that one test body can run on a single
/// server (<see cref="RedisServerFixture"/>) and on a cluster (<see cref="RedisClusterFixture"/>).
/// </summary>
public interface IRedisFixture
{
    /// <summary>An administrator's connection (no ACL restrictions): for setting up and reading state.</summary>
    IConnectionMultiplexer Redis { get; }

    /// <summary>A configuration string for more administrator connections.</summary>
    string Configuration { get; }

    /// <summary>
    /// A configuration string for <paramref name="user"/>'s connections: that service's ACL user
    /// where the fixture has the gateway's users, the administrator otherwise.
    /// </summary>
    string ConfigurationFor(RedisUser user);

    /// <summary>Primaries serving the keys: 1 for one server, 3 for the cluster.</summary>
    int Primaries { get; }
}

using Gateway.Contracts.Redis;
using Gateway.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Redis;

/// <summary>
/// The services' least-privilege ACL users (<see cref="RedisUsers"/>) on a real cluster:
/// StackExchange.Redis can discover the cluster with them (it reads the topology with
/// <c>CLUSTER NODES</c>/<c>CLUSTER SLOTS</c>), and they still cannot do what they could not do
/// on one server.
/// </summary>
public sealed class ClusterAclTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    public static TheoryData<string> Users => [.. RedisUsers.All.Select(user => user.Name)];

    [Theory]
    [MemberData(nameof(Users))]
    public async Task ServiceUser_ConnectsToTheCluster_SeesEveryPrimary(string name)
    {
        var user = RedisUsers.All.Single(candidate => candidate.Name == name);

        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConfigurationFor(user));

        var servers = connection.GetServers();
        Assert.All(servers, server => Assert.Equal(ServerType.Cluster, server.ServerType));
        Assert.Equal(3, servers.Count(server => server is { IsConnected: true, IsReplica: false }));
    }

    [Fact]
    public async Task ProxyUser_LearnsTheSlotMap_NoCommandIsRedirected()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConfigurationFor(RedisUsers.Proxy));
        var redirectsBefore = await RedirectsAsync();

        // Keys on a couple of hundred slots: sent to the right primary only when the client knows
        // the slot map; guessing and following MOVED also answers, but costs a round trip each.
        var database = connection.GetDatabase();
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => database.HashGetAsync($"{RedisKeys.RateLimitPrefix}acl:{i}}}", ["c"])));

        Assert.Equal(redirectsBefore, await RedirectsAsync());
    }

    /// <summary>
    /// Dashboard sessions are cluster-safe by construction: plain keys, one per command (no
    /// script, no multi-key command), so each goes to its own slot's primary. What the session
    /// store sends (SETEX, GET, UNLINK) works as the dashboard's user on keys all over the slots.
    /// </summary>
    [Fact]
    public async Task DashboardUser_SessionCommandsOnKeysAcrossTheSlots_Work()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConfigurationFor(RedisUsers.Dashboard));
        var database = connection.GetDatabase();
        var keys = Enumerable.Range(0, 50).Select(_ => (RedisKey)(RedisKeys.DashboardSessionPrefix + Guid.NewGuid().ToString("N"))).ToArray();

        await Task.WhenAll(keys.Select(key => database.StringSetAsync(key, "session", TimeSpan.FromMinutes(5))));
        Assert.All(await Task.WhenAll(keys.Select(key => database.StringGetAsync(key))), value => Assert.Equal("session", value));
        Assert.All(await Task.WhenAll(keys.Select(key => database.KeyDeleteAsync(key, CommandFlags.None))), Assert.True);

        Assert.True(keys.Select(key => connection.HashSlot(key)).Distinct().Count() > 40, "the keys should spread over many slots");
    }

    [Fact]
    public async Task DashboardUser_OnTheCluster_StillCannotTouchRateLimitWindows()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConfigurationFor(RedisUsers.Dashboard));

        var refused = await Assert.ThrowsAsync<RedisServerException>(() => connection.GetDatabase().HashSetAsync(RedisKeys.RateLimitPrefix + "p:k}", "c", 0));

        Assert.StartsWith("NOPERM", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Replies of MOVED every node gave so far (<c>INFO errorstats</c>).</summary>
    private async Task<long> RedirectsAsync()
    {
        long total = 0;
        foreach (var port in cluster.Ports)
        {
            var stats = await cluster.CommandAsync(port, "INFO", "errorstats");
            var line = stats.Split('\n').FirstOrDefault(candidate => candidate.StartsWith("errorstat_MOVED:count=", StringComparison.Ordinal));
            total += line is null ? 0 : long.Parse(line["errorstat_MOVED:count=".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return total;
    }
}

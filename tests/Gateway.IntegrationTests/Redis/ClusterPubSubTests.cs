using System.Globalization;
using Gateway.Auth.Invalidation;
using Gateway.Contracts.Credentials;
using Gateway.Contracts.Invalidation;
using Gateway.Contracts.Redis;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.Authentication;
using Gateway.TestSupport;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Redis;

/// <summary>
/// Auth cache invalidations on a real cluster, each side as its own ACL user: the auth service's
/// script (INCR of the sequence key, PUBLISH) reaches listeners on every node, and a proxy's
/// subscription and the publisher both come through a primary being killed.
/// </summary>
/// <remarks>
/// Classic PUBLISH, not sharded: on a cluster a message is relayed over the cluster bus to every
/// node (measured here: one bus message per other node and publish), where SPUBLISH would reach
/// only its shard. The gateway's channels carry a few messages a second (a snapshot per replica
/// per interval, rare revocations and configuration notices), so the saving would be a few
/// hundred bus messages a second at most, against subscriptions that a slot move or a failover
/// would have to re-home (docs/operations.md, "Redis Cluster").
/// </remarks>
public sealed class ClusterPubSubTests(RedisClusterFixture cluster, ITestOutputHelper output) : IClassFixture<RedisClusterFixture>, IAsyncLifetime
{
    private IConnectionMultiplexer _authRedis = null!;
    private IConnectionMultiplexer _proxyRedis = null!;
    private InvalidationHarness _harness = null!;

    private InvalidationPublisher Publisher => _harness.Publisher;

    private AuthCache Cache => _harness.Cache;

    public async Task InitializeAsync()
    {
        _authRedis = await ConnectionMultiplexer.ConnectAsync(cluster.ConfigurationFor(RedisUsers.Auth));
        _proxyRedis = await ConnectionMultiplexer.ConnectAsync(cluster.ConfigurationFor(RedisUsers.Proxy));
        _harness = await InvalidationHarness.StartAsync(_authRedis, _proxyRedis, new OutputLogger<InvalidationSubscriber>(output));
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _proxyRedis.DisposeAsync();
        await _authRedis.DisposeAsync();
    }

    [Fact]
    public async Task AnInvalidation_PublishedByTheAuthScript_ReachesListenersOnEveryNode()
    {
        var listeners = new List<NodeSubscriber>();
        try
        {
            foreach (var port in cluster.Ports)
            {
                listeners.Add(await NodeSubscriber.ConnectAsync(port, RedisUsers.Proxy.Name, cluster.PasswordOf(RedisUsers.Proxy), AuthInvalidations.Channel));
            }

            const int Published = 20;
            var busBefore = await BusMessagesAsync("publish");
            var hashes = Enumerable.Range(0, Published).Select(_ => CredentialFormat.Hash(CredentialFormat.NewAccessToken())).ToArray();
            foreach (var hash in hashes)
            {
                await Publisher.CredentialRevokedAsync(hash);
            }

            var last = AuthInvalidations.ForCredential(hashes[^1]);
            await UntilAsync(() => listeners.All(listener => listener.Messages.Any(message => message.EndsWith(last, StringComparison.Ordinal))), "the last revocation on every node");

            // Each node's listener got every message once: no node missed one, and a replica does
            // not deliver a second copy from its replication stream.
            Assert.All(listeners, listener => Assert.Equal(Published, listener.Messages.Count));
            var bus = await BusMessagesAsync("publish") - busBefore;
            output.WriteLine($"classic PUBLISH: {bus} cluster-bus messages for {Published} messages ({(double)bus / Published:F1} each) on {cluster.Ports.Count} nodes");
            Assert.InRange(bus, (cluster.Ports.Count - 1) * Published, (cluster.Ports.Count - 1) * Published * 2);

            // For the record, what sharded pub/sub would cost on the same channel: its shard only.
            var shardBefore = await BusMessagesAsync("publishshard");
            for (var i = 0; i < Published; i++)
            {
                await cluster.Redis.GetSubscriber().PublishAsync(RedisChannel.Sharded(AuthInvalidations.Channel), "measure");
            }

            var shard = await BusMessagesAsync("publishshard") - shardBefore;
            output.WriteLine($"sharded SPUBLISH: {shard} cluster-bus messages for {Published} messages ({(double)shard / Published:F1} each)");
        }
        finally
        {
            foreach (var listener in listeners)
            {
                await listener.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task TheNodeTheProxySubscribedOn_Killed_TheNextRevocationStillReachesItsCache()
    {
        var port = await SubscribedPortAsync();

        await cluster.KillAndWaitAsync(port);
        try
        {
            await UntilAsync(() => Cache.InvalidationsLive, "the subscriber to be in step after the failover");
            var (key, hash) = CacheNewCredential();

            await Publisher.CredentialRevokedAsync(hash);

            // By its message, or, when it is published while the client is still moving the
            // subscription off the dead node (seen in about one run in three: the client re-homes
            // it only once it reconfigures), by the numbering: a gap, found within two check
            // intervals, drops every cached answer. Either is within the documented bound.
            await UntilAsync(() => !Cache.TryGetValid(key, out _, out _), "the revocation to reach the cache");
            Assert.NotEqual(port, await SubscribedPortAsync());
        }
        finally
        {
            await cluster.RestartAsync(port);
        }
    }

    [Fact]
    public async Task ThePrimaryOfTheSequenceKey_Killed_ARevocationIsPublishedOnceItsReplicaTookOver()
    {
        var sequenceBefore = (long)await cluster.Redis.GetDatabase().StringGetAsync(AuthInvalidations.SequenceKey);
        var killed = await cluster.KillPrimaryAndWaitForFailoverAsync(_authRedis.HashSlot(AuthInvalidations.SequenceKey));
        try
        {
            await UntilAsync(() => Cache.InvalidationsLive, "the subscriber to be in step after the failover");
            var (key, hash) = CacheNewCredential();

            await Publisher.CredentialRevokedAsync(hash);

            await UntilAsync(() => !Cache.TryGetValid(key, out _, out _), "the revocation to reach the cache");
            // The promoted replica had the numbering: it went on from where the killed primary was
            // (a replica that lost it would restart at 1, which the proxies take for a gap).
            Assert.True((long)await cluster.Redis.GetDatabase().StringGetAsync(AuthInvalidations.SequenceKey) > sequenceBefore);
        }
        finally
        {
            await cluster.RestartAsync(killed);
        }
    }

    /// <summary>
    /// The node the proxy's invalidation subscription is on. The client may be between connections
    /// (e.g. while the node a previous test restarted rejoins), when it names none.
    /// </summary>
    private async Task<int> SubscribedPortAsync()
    {
        var endpoint = await Poll.UntilAsync(
            _ => Task.FromResult(_proxyRedis.GetSubscriber().SubscribedEndpoint(RedisChannel.Literal(AuthInvalidations.Channel)) as System.Net.IPEndPoint),
            InvalidationHarness.Deadline,
            "the subscription to be on a node");
        return endpoint.Port;
    }

    /// <summary>Cluster-bus messages of a kind (<c>publish</c>, <c>publishshard</c>) every node sent so far.</summary>
    private async Task<long> BusMessagesAsync(string kind)
    {
        var prefix = $"cluster_stats_messages_{kind}_sent:";
        long total = 0;
        foreach (var port in cluster.Ports)
        {
            var info = await cluster.CommandAsync(port, "CLUSTER", "INFO");
            var line = info.Split('\n').FirstOrDefault(candidate => candidate.StartsWith(prefix, StringComparison.Ordinal));
            total += line is null ? 0 : long.Parse(line[prefix.Length..].Trim(), CultureInfo.InvariantCulture);
        }

        return total;
    }

    private (CredentialKey Key, byte[] Hash) CacheNewCredential() => _harness.CacheNewCredential();

    private static Task UntilAsync(Func<bool> condition, string what) => InvalidationHarness.UntilAsync(condition, what);
}

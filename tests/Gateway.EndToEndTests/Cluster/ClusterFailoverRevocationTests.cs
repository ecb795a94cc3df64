using System.Diagnostics;
using System.Net;
using Gateway.Contracts.Invalidation;
using Gateway.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Cluster;

/// <summary>
/// A revocation after a primary of the cluster crashed reaches both proxy replicas within its
/// documented bound. The primary killed is one the revocation path leans on: one holding a proxy's
/// subscription to the invalidation channel (StackExchange.Redis puts each proxy's classic
/// subscription on a primary of its choosing: both on one, or one each, from run to run),
/// preferably the primary of the invalidation numbering's slot (<see cref="AuthInvalidations.SequenceKey"/>) too.
/// </summary>
[Collection(ClusterAppCollection.Name)]
public sealed class ClusterFailoverRevocationTests(ClusterAppFixture fixture, ITestOutputHelper output) : ClusterTestBase(fixture)
{
    /// <summary>
    /// The documented bound (docs/authentication.md, docs/security.md: 2 s for an invalidation a
    /// replica missed while Redis answers, 5 s without Redis), plus room for a loaded 2-core
    /// runner; the defect it guards against is a token accepted until its cache entry expires.
    /// </summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task InvalidationsPrimaryKilled_AfterTheFailover_ALogoutIsRefusedByBothReplicasWithinTheBound()
    {
        var nodes = Fixture.Nodes;
        await nodes.WaitForWholeAsync("the cluster to be whole before the crash");

        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        foreach (var replica in Replicas.Clients)
        {
            await ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get("/api/hello", login.AccessToken), HttpStatusCode.OK, Bound, "the token to be accepted (and cached)");
        }

        var victim = await ChooseVictimAsync(nodes);

        var crashed = Stopwatch.GetTimestamp();
        var launcher = await nodes.KillAsync(victim);
        try
        {
            await nodes.WaitForFailoverAsync(victim);
            var failover = Stopwatch.GetElapsedTime(crashed);

            var revoked = Stopwatch.GetTimestamp();
            using (var logout = new HttpRequestMessage(HttpMethod.Post, "/auth/logout"))
            {
                logout.Headers.Authorization = new("Bearer", login.AccessToken);
                using var response = await Replicas.Clients[0].SendAsync(logout);
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            }

            foreach (var replica in Replicas.Clients)
            {
                await ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get("/api/hello", login.AccessToken), HttpStatusCode.Unauthorized, Bound, "the logout to reach a replica after the failover");
            }

            output.WriteLine($"failover (kill to cluster_state:ok with the slots handed over) {failover.TotalSeconds:F1} s; logout to 401 on both replicas {Stopwatch.GetElapsedTime(revoked).TotalSeconds:F1} s");
        }
        finally
        {
            // Leave the cluster whole for the collection's other tests: the node rejoins (from its
            // nodes.conf) as the replica of the primary that replaced it.
            await nodes.RestartAsync(victim, launcher);
            await nodes.WaitForWholeAsync($"{victim} to rejoin the cluster");
        }
    }

    /// <summary>
    /// The primary holding the most of the proxies' subscriptions to the invalidation channel
    /// (classic pub/sub: <c>PUBSUB NUMSUB</c> counts a node's own subscribers), else the primary of
    /// the invalidation numbering's slot.
    /// </summary>
    private async Task<string> ChooseVictimAsync(ClusterNodes nodes)
    {
        var view = await nodes.TopologyAsync(ClusterNodes.Names[0]);
        var subscribers = new Dictionary<string, int>();
        foreach (var node in ClusterNodes.Names)
        {
            // Reply: the channel's name, then its subscriber count on this node.
            var reply = (await nodes.CommandAsync(node, "PUBSUB", "NUMSUB", AuthInvalidations.Channel)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            subscribers[node] = int.Parse(reply[^1], System.Globalization.CultureInfo.InvariantCulture);
        }

        var sequencePrimary = await nodes.PrimaryOfKeyAsync(ClusterNodes.Names[0], AuthInvalidations.SequenceKey);
        var primaries = view.Where(entry => entry.IsPrimary && entry.Slots.Count > 0).Select(entry => nodes.NodeAt(entry.Port)).ToHashSet();
        // Worst first: a primary holding a subscription and the numbering loses both at once.
        var victim = subscribers
            .Where(pair => pair.Value > 0 && primaries.Contains(pair.Key))
            .OrderByDescending(pair => pair.Key == sequencePrimary)
            .ThenByDescending(pair => pair.Value)
            .Select(pair => pair.Key)
            .FirstOrDefault() ?? sequencePrimary;
        output.WriteLine(
            $"subscribers of {AuthInvalidations.Channel} per node: "
            + string.Join(", ", subscribers.Select(pair => $"{pair.Key} ({(primaries.Contains(pair.Key) ? "primary" : "replica")}) {pair.Value}"))
            + $"; primary of {AuthInvalidations.SequenceKey}: {sequencePrimary}; killing {victim}");
        return victim;
    }
}

using Aspire.Hosting.ApplicationModel;
using Gateway.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Cluster;

/// <summary>
/// The AppHost's <c>redis</c> resource on the cluster path: what every service waits for, so it
/// must be healthy only while the cluster serves every slot, not as soon as its nodes answer PING.
/// </summary>
[Collection(ClusterAppCollection.Name)]
public sealed class ClusterHealthTests(ClusterAppFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public void RedisHealthyAtStartUp_EveryNodeSaidTheClusterWasOk()
    {
        output.WriteLine($"redis healthy {fixture.RedisHealthyAfter.TotalSeconds:F1} s after the AppHost started");
        foreach (var line in fixture.StartTimeline)
        {
            output.WriteLine(line);
        }

        Assert.Equal(ClusterNodes.Names, fixture.ClusterInfoWhenHealthy.Keys.Order());
        foreach (var (node, info) in fixture.ClusterInfoWhenHealthy)
        {
            Assert.True(info is not null, $"{node} did not answer");
            foreach (var expected in new[] { "cluster_state:ok", "cluster_slots_ok:16384", "cluster_known_nodes:6", "cluster_size:3" })
            {
                Assert.True(info.Contains(expected, StringComparison.Ordinal), $"{node} said:\n{info}");
            }
        }
    }

    [Fact]
    public async Task AShardLost_RedisCheckUnhealthy_HealthyAgainOnceItsNodesRejoin()
    {
        var nodes = fixture.Nodes;
        await nodes.WaitForWholeAsync("the cluster to be whole before the test");
        var view = await nodes.TopologyAsync(ClusterNodes.Names[0]);
        var primary = view.First(entry => entry.IsPrimary && entry.Slots.Count > 0);
        var replica = view.Single(entry => entry.PrimaryId == primary.Id);
        var shard = new[] { nodes.NodeAt(primary.Port), nodes.NodeAt(replica.Port) };
        Assert.Equal(HealthStatus.Healthy, (await RedisCheckAsync()).Status);

        var launchers = new Dictionary<string, int?>();
        foreach (var node in shard)
        {
            launchers[node] = await nodes.KillAsync(node);
        }

        try
        {
            // A third of the slots has no one left to serve it: the other nodes say cluster_state:fail
            // once they agree the primary failed (the 2 s node timeout).
            var unhealthy = await Poll.UntilAsync(
                async _ => await RedisCheckAsync() is { Status: HealthStatus.Unhealthy } report ? report.Description ?? string.Empty : null,
                Deadline,
                "the redis check to see the cluster fail");
            output.WriteLine($"{string.Join(" and ", shard)} killed: unhealthy: {unhealthy}");
        }
        finally
        {
            foreach (var node in shard)
            {
                await nodes.RestartAsync(node, launchers[node]);
            }
        }

        var healthy = await Poll.UntilAsync(
            async _ => await RedisCheckAsync() is { Status: HealthStatus.Healthy } report ? report.Description ?? string.Empty : null,
            Deadline,
            "the redis check to be healthy once the shard rejoined");
        output.WriteLine($"restarted: healthy: {healthy}");
        await nodes.WaitForWholeAsync("the cluster to be whole after the test");
    }

    /// <summary>
    /// Runs the health checks the AppHost registered for the <c>redis</c> resource, now: Aspire
    /// re-runs a healthy resource's checks only every 30 s, so its snapshot would lag.
    /// </summary>
    private async Task<HealthReportEntry> RedisCheckAsync()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var keys = model.Resources.Single(resource => resource.Name == "redis").Annotations.OfType<HealthCheckAnnotation>().Select(annotation => annotation.Key).ToHashSet();
        Assert.NotEmpty(keys);
        var report = await fixture.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(registration => keys.Contains(registration.Name));
        return report.Entries.Values.Single();
    }
}

using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.EndToEndTests.Reliability;
using Gateway.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.EndToEndTests.Cluster;

/// <summary>
/// The AppHost's Redis Cluster nodes (<c>redis-node-0</c>..<c>5</c>) as the tests see them: what
/// each one says (through <c>redis-cli</c> as the <c>default</c> user, the password in
/// <c>REDISCLI_AUTH</c>), real crashes (SIGKILL of the node's redis-server) and restarts.
/// </summary>
public sealed class ClusterNodes
{
    public const int Count = 6;

    public const int Primaries = 3;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Cluster formation and failovers take seconds here (2 s node timeout); a minute is a defect.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly DistributedApplication _app;
    private readonly string _password;

    private ClusterNodes(DistributedApplication app, string password)
    {
        _app = app;
        _password = password;
    }

    public static IReadOnlyList<string> Names { get; } = Enumerable.Range(0, Count).Select(i => "redis-node-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

    public static async Task<ClusterNodes> ConnectAsync(DistributedApplication app) =>
        new(app, await AppResources.ParameterAsync(app, "redis-password"));

    /// <summary>
    /// The node's port, from the app model: unlike <c>GetEndpoint</c> it is known as soon as DCP
    /// allocated it, so the fixture can look at the nodes while the app is still starting.
    /// </summary>
    public int PortOf(string node) => _app.Services.GetRequiredService<DistributedApplicationModel>().Resources
        .OfType<IResourceWithEndpoints>()
        .Single(resource => resource.Name == node)
        .GetEndpoint("tcp")
        .Port;

    public string NodeAt(int port) => Names.Single(node => PortOf(node) == port);

    /// <summary>Runs a command on <paramref name="node"/>; null when the node does not answer.</summary>
    public async Task<string?> TryCommandAsync(string node, params string[] arguments)
    {
        var (exitCode, output) = await ProcessRunner.RunAsync(
            "redis-cli",
            ["-p", PortOf(node).ToString(CultureInfo.InvariantCulture), .. arguments],
            Path.GetTempPath(),
            CommandTimeout,
            new Dictionary<string, string> { ["REDISCLI_AUTH"] = _password });
        return exitCode == 0 && !output.StartsWith("Could not connect", StringComparison.Ordinal) ? output : null;
    }

    public async Task<string> CommandAsync(string node, params string[] arguments)
    {
        var output = await TryCommandAsync(node, arguments) ?? throw new InvalidOperationException($"{node} does not answer.");
        return output.StartsWith("ERR", StringComparison.Ordinal) || output.StartsWith("NOAUTH", StringComparison.Ordinal) || output.StartsWith("WRONGPASS", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"{node} {arguments[0]}: {output}")
            : output;
    }

    /// <summary>What <paramref name="node"/> knows of the cluster (<c>CLUSTER NODES</c>).</summary>
    public async Task<IReadOnlyList<ClusterNodeEntry>> TopologyAsync(string node) =>
        (await CommandAsync(node, "CLUSTER", "NODES"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(ClusterNodeEntry.Parse)
            .ToArray();

    /// <summary>The node serving <paramref name="key"/>'s slot now, as <paramref name="askedNode"/> sees it.</summary>
    public async Task<string> PrimaryOfKeyAsync(string askedNode, string key)
    {
        var slot = int.Parse(await CommandAsync(askedNode, "CLUSTER", "KEYSLOT", key), CultureInfo.InvariantCulture);
        var view = await TopologyAsync(askedNode);
        return NodeAt(view.Single(entry => entry.IsPrimary && !entry.Failed && entry.Slots.Any(range => slot >= range.First && slot <= range.Last)).Port);
    }

    /// <summary>
    /// Waits until all six nodes answer and agree: <c>cluster_state:ok</c>, every slot served and
    /// none suspected, three primaries, and every replica's link to its primary up (so a failover
    /// has a synchronised replica to promote).
    /// </summary>
    public Task WaitForWholeAsync(string what) => Poll.UntilAsync(
        async _ =>
        {
            foreach (var node in Names)
            {
                var info = await TryCommandAsync(node, "CLUSTER", "INFO");
                if (info is null || !IsOk(info) || !info.Contains("cluster_known_nodes:6", StringComparison.Ordinal))
                {
                    return null;
                }

                var view = await TopologyAsync(node);
                if (view.Any(entry => entry.Failed) || view.Count(entry => entry.IsPrimary && entry.Slots.Count > 0) != Primaries)
                {
                    return null;
                }

                var replication = await CommandAsync(node, "INFO", "replication");
                if (replication.Contains("role:slave", StringComparison.Ordinal) && !replication.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    return null;
                }
            }

            return "whole";
        },
        Deadline,
        what);

    /// <summary>
    /// Waits until the nodes other than <paramref name="killed"/> have marked it failed, handed its
    /// slots to its replica and all say <c>cluster_state:ok</c> again.
    /// </summary>
    public Task WaitForFailoverAsync(string killed) => Poll.UntilAsync(
        async _ =>
        {
            var killedPort = PortOf(killed);
            foreach (var node in Names.Where(node => node != killed))
            {
                var info = await TryCommandAsync(node, "CLUSTER", "INFO");
                if (info is null || !IsOk(info))
                {
                    return null;
                }

                var view = await TopologyAsync(node);
                if (view.Single(entry => entry.Port == killedPort) is not { Failed: true, Slots.Count: 0 }
                    || view.Count(entry => entry.IsPrimary && !entry.Failed && entry.Slots.Count > 0) != Primaries)
                {
                    return null;
                }
            }

            return "failed over";
        },
        Deadline,
        $"the cluster to fail {killed} over and be ok again");

    /// <summary>
    /// Crashes <paramref name="node"/>: SIGKILL to its redis-server (no shutdown, no goodbye to its
    /// replica), then waits until Aspire sees the resource stopped. Returns the launcher pid, for
    /// <see cref="RestartAsync"/>.
    /// </summary>
    public async Task<int?> KillAsync(string node)
    {
        using var cts = new CancellationTokenSource(Deadline);
        var snapshot = (await _app.ResourceNotifications.WaitForResourceHealthyAsync(node, cts.Token)).Snapshot;
        var launcher = ResourceProcesses.LauncherPid(snapshot) ?? throw new InvalidOperationException($"{node} has no pid.");
        var server = ResourceProcesses.ServerPid(launcher, "redis-server") ?? throw new InvalidOperationException($"{node} has no redis-server child.");
        ResourceProcesses.KillTree(server);
        await ResourceProcesses.WaitForStoppedAsync(_app, node, cts.Token);
        return launcher;
    }

    /// <summary>Starts a stopped node again (it rejoins from its nodes.conf) and waits until it is healthy.</summary>
    public async Task RestartAsync(string node, int? oldLauncherPid)
    {
        using var cts = new CancellationTokenSource(Deadline);
        await _app.ResourceCommands.ExecuteCommandAsync(node, KnownResourceCommands.StartCommand, cts.Token);
        await ResourceProcesses.WaitForRestartedAsync(_app, node, oldLauncherPid, cts.Token);
    }

    private static bool IsOk(string clusterInfo) =>
        clusterInfo.Contains("cluster_state:ok", StringComparison.Ordinal)
        && clusterInfo.Contains("cluster_slots_ok:16384", StringComparison.Ordinal)
        && clusterInfo.Contains("cluster_slots_pfail:0", StringComparison.Ordinal)
        && clusterInfo.Contains("cluster_slots_fail:0", StringComparison.Ordinal);
}

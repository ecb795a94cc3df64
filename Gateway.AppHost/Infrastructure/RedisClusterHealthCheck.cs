using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// Healthy when every node that answers says <c>cluster_state:ok</c> (every slot served by a
/// reachable primary) and knows all the cluster's nodes, and at least one answers. Nodes answer
/// PING long before they form a cluster, so the nodes' own checks cannot tell services when to
/// start: this one can.
/// </summary>
/// <remarks>
/// A node that does not answer (killed, stopped from the dashboard) does not make the cluster
/// unhealthy by itself: once its replica took over, the cluster serves every slot and the
/// services keep working. It is named in the description. Unhealthy would also hold back every
/// service restarted meanwhile (they wait for <c>redis</c>). Right after the cluster is created a
/// node may already say <c>ok</c> (it knows the three primaries) before gossip told it of every
/// replica: that is still forming, not healthy.
/// </remarks>
internal sealed class RedisClusterHealthCheck(RedisClusterResource cluster) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var states = await Task.WhenAll(cluster.Nodes.Select(node => ClusterStateAsync(node, cancellationToken)));
            var answering = states.Where(state => state.State is not null).ToList();
            var report = string.Join(", ", states.Select(state => state.State is null
                ? $"{state.Node}: not answering"
                : $"{state.Node}: {state.State} (knows {state.KnownNodes})"));
            if (answering.Count == 0)
            {
                return HealthCheckResult.Unhealthy("No cluster node answers.");
            }

            return answering.All(state => state is { State: "ok" } && state.KnownNodes == cluster.Nodes.Count)
                ? HealthCheckResult.Healthy("cluster_state " + report)
                : HealthCheckResult.Unhealthy("cluster_state " + report);
        }
        catch (RedisAuthenticationException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }

    /// <summary>The node's <c>cluster_state</c> (<c>ok</c>, <c>fail</c>; null when it does not answer) and how many nodes it knows.</summary>
    private static async Task<(string Node, string? State, int KnownNodes)> ClusterStateAsync(RedisServerResource node, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var client = await RedisPingHealthCheck.ConnectAsync(node, timeout.Token);
            var reply = await client.SendAsync(timeout.Token, "CLUSTER", "INFO");
            if (reply.IsError)
            {
                return (node.Name, reply.Text, 0);
            }

            var fields = reply.Text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(line => line.Split(':', 2))
                .Where(field => field.Length == 2)
                .ToDictionary(field => field[0], field => field[1]);
            return (
                node.Name,
                fields.GetValueOrDefault("cluster_state", "unknown"),
                int.TryParse(fields.GetValueOrDefault("cluster_known_nodes"), System.Globalization.CultureInfo.InvariantCulture, out var known) ? known : 0);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (node.Name, null, 0);
        }
    }
}

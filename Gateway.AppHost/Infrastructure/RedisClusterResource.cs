namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// A Redis Cluster made of host <c>redis-server</c> nodes (<see cref="Nodes"/>, each its own
/// executable resource). It has no process of its own: it waits for every node, creates the
/// cluster once (<see cref="RedisClusterCreator"/>) and is healthy while the cluster is
/// (<see cref="RedisClusterHealthCheck"/>). Its connection string is the operator's: every node,
/// the <c>default</c> user.
/// </summary>
internal sealed class RedisClusterResource(string name, IReadOnlyList<RedisServerResource> nodes, ParameterResource password, string stateDirectory)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    /// <summary>Three primaries and a replica each: the smallest cluster that survives a primary's loss.</summary>
    public const int NodeCount = 6;

    public const int ReplicasPerPrimary = 1;

    public IReadOnlyList<RedisServerResource> Nodes { get; } = nodes;

    public ParameterResource Password { get; } = password;

    /// <summary>Where the nodes keep their cluster state (<c>nodes.conf</c>) for this AppHost run; no secrets.</summary>
    public string StateDirectory { get; } = stateDirectory;

    /// <summary><c>host:port</c> of every node, comma-separated: what a cluster client starts from.</summary>
    public ReferenceExpression Addresses
    {
        get
        {
            var addresses = new ReferenceExpressionBuilder();
            for (var i = 0; i < Nodes.Count; i++)
            {
                if (i > 0)
                {
                    addresses.AppendLiteral(",");
                }

                addresses.Append($"{Nodes[i].PrimaryEndpoint.Property(EndpointProperty.Host)}:{Nodes[i].PrimaryEndpoint.Property(EndpointProperty.Port)}");
            }

            return addresses.Build();
        }
    }

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Addresses},password={Password}");
}

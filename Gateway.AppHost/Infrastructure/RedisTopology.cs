namespace Gateway.AppHost.Infrastructure;

/// <summary>What shape of Redis the AppHost runs (<c>Infrastructure:RedisTopology</c>).</summary>
internal enum RedisTopology
{
    /// <summary>One server: a container, or a host <c>redis-server</c>.</summary>
    Single,

    /// <summary>
    /// A six-node Redis Cluster (three primaries, three replicas) of host <c>redis-server</c>
    /// processes: the executables path only, in run mode.
    /// </summary>
    Cluster,
}

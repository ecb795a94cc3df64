namespace Gateway.AppHost.Infrastructure;

/// <summary>Who runs Redis (<c>Infrastructure:Redis</c>).</summary>
internal enum RedisProvider
{
    /// <summary>The AppHost: a container or host executables, one server or a cluster.</summary>
    AppHost,

    /// <summary>
    /// Someone else (a managed Redis Cluster, a server the operator runs): the AppHost starts no
    /// Redis, and each service's connection string is a secret parameter.
    /// </summary>
    External,
}

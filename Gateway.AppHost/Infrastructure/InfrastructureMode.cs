namespace Gateway.AppHost.Infrastructure;

/// <summary>Where Redis and PostgreSQL come from.</summary>
internal enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, host executables otherwise.</summary>
    Auto,

    /// <summary>Aspire's Redis and PostgreSQL containers (always used when publishing).</summary>
    Containers,

    /// <summary>Host-installed <c>redis-server</c> and <c>postgres</c> run as executable resources.</summary>
    Executables,
}

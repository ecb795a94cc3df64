using Microsoft.Extensions.Configuration;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// Settings of the <c>Infrastructure</c> configuration section of the AppHost
/// (command line: <c>--Infrastructure:Mode=Executables</c>; environment: <c>Infrastructure__Mode</c>).
/// </summary>
internal sealed class InfrastructureOptions
{
    public const string SectionName = "Infrastructure";

    public InfrastructureMode Mode { get; set; } = InfrastructureMode.Auto;

    /// <summary>
    /// Whether the AppHost runs Redis (the default) or the services connect to one elsewhere
    /// (<c>--Infrastructure:Redis=External</c>: a managed Redis Cluster in publish mode).
    /// </summary>
    public RedisProvider Redis { get; set; } = RedisProvider.AppHost;

    /// <summary>
    /// One Redis server (the default) or a six-node cluster on the executables path
    /// (<c>--Infrastructure:RedisTopology=Cluster</c>).
    /// </summary>
    public RedisTopology RedisTopology { get; set; } = RedisTopology.Single;

    /// <summary>
    /// PostgreSQL data directory on the executables path. Defaults to a persistent per-user
    /// location in run mode so that registered users survive an AppHost restart.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// Throwaway state for tests: durability settings are relaxed (fsync off). Never use for data
    /// you want to keep.
    /// </summary>
    public bool Ephemeral { get; set; }

    public static InfrastructureOptions From(IConfiguration configuration)
    {
        var options = new InfrastructureOptions();
        configuration.GetSection(SectionName).Bind(options);
        return options;
    }
}

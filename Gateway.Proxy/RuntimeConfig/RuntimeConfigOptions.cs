using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>Settings of the <c>Gateway:RuntimeConfig</c> section.</summary>
internal sealed class RuntimeConfigOptions
{
    public const string SectionName = "Gateway:RuntimeConfig";

    /// <summary>
    /// Load routes, clusters, policies and plans from the versions the auth service stores (and
    /// offer this replica's configuration file as version 1 while there is none). Off: the file
    /// alone, as version 0, and the admin API's changes are refused.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often a replica asks the auth service for the active version's number (one small call):
    /// the bound on how late a change arrives when the Redis notice is lost (Redis down).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a starting replica waits for the stored configuration before it serves its
    /// configuration file instead (reported degraded, and still polling). It starts listening only
    /// after this, so a restarted replica serves the active version from its first request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan InitialLoadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline of each call to the auth service's configuration store.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromSeconds(5);
}

namespace Gateway.Dashboard.Aggregation;

/// <summary>The runtime configuration across the gateway: what the replicas serve, and the stored history.</summary>
public sealed record ConfigView
{
    /// <summary>
    /// The newest version any live replica serves; 0 when every live replica serves its
    /// configuration file (or none is live).
    /// </summary>
    public required long ActiveVersion { get; init; }

    /// <summary>
    /// Every live replica serves the same version. False when no replica is live: nobody serves
    /// anything, which is not agreement worth a green mark.
    /// </summary>
    public required bool Converged { get; init; }

    public required ConfigHistoryView History { get; init; }
}

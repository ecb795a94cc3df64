namespace Gateway.Proxy.Routing;

/// <summary>What the proxy does with routes that guard the same backend path differently (<see cref="RouteOverlaps"/>).</summary>
internal enum OverlapCheckMode
{
    /// <summary>Refuse the configuration: at start-up the proxy does not start; on a reload the last good configuration stays.</summary>
    Refuse,

    /// <summary>Apply it, logging each overlap as a warning.</summary>
    Warn,
}

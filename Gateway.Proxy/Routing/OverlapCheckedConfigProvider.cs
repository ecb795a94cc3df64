using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Routing;

/// <summary>
/// Wraps a YARP <see cref="IProxyConfigProvider"/> (the configuration file's) and checks every
/// configuration it hands out, at start-up and on each reload, for routes that guard the same
/// backend path differently (<see cref="RouteOverlaps"/>). YARP validates routes one at a time
/// (<c>IConfigValidator</c>, <c>IProxyConfigFilter</c>), so a check across routes sits here. In
/// <see cref="OverlapCheckMode.Refuse"/> mode a first configuration with an overlap throws, which
/// YARP turns into a failed start; a reloaded one is not passed on (YARP keeps the routes it has).
/// </summary>
internal sealed partial class OverlapCheckedConfigProvider(
    IProxyConfigProvider inner, IOptionsMonitor<RoutingOptions> options, ILogger<OverlapCheckedConfigProvider> logger) : IProxyConfigProvider
{
    private volatile IProxyConfig? _lastGood;

    public IProxyConfig GetConfig()
    {
        var config = inner.GetConfig();
        var overlaps = RouteOverlaps.Find(config.Routes, config.Clusters);
        if (overlaps.Count == 0)
        {
            return _lastGood = config;
        }

        var refuse = options.CurrentValue.OverlapCheck == OverlapCheckMode.Refuse;
        foreach (var overlap in overlaps)
        {
            if (refuse)
            {
                Log.OverlapRefused(logger, overlap.ToString());
            }
            else
            {
                Log.OverlapAllowed(logger, overlap.ToString());
            }
        }

        if (!refuse)
        {
            return _lastGood = config;
        }

        if (_lastGood is { } lastGood)
        {
            Log.ReloadRefused(logger, overlaps.Count);
            return new KeptProxyConfig(lastGood, config.ChangeToken);
        }

        throw new InvalidOperationException(
            $"Route overlap: {string.Join("; ", overlaps)}. A caller refused by one route's authorization policy could reach the path through the other. "
            + $"Give each policy its own backend path space, or set {RoutingOptions.SectionName}:OverlapCheck=Warn to accept the risk.");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Critical, Message = "Route overlap refused: {Overlap}.")]
        public static partial void OverlapRefused(ILogger logger, string overlap);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Route overlap allowed (Gateway:Routing:OverlapCheck=Warn): {Overlap}. A caller refused by one route's policy can reach the path through the other.")]
        public static partial void OverlapAllowed(ILogger logger, string overlap);

        [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Reloaded proxy configuration refused ({Count} route overlaps); the previous routes stay in force.")]
        public static partial void ReloadRefused(ILogger logger, int count);
    }
}

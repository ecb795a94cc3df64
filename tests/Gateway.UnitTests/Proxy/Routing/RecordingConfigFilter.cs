using System.Collections.Concurrent;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Proxy.Routing;

/// <summary>Records every route YARP loads (it runs filters on each configuration it applies), in order.</summary>
internal sealed class RecordingConfigFilter : IProxyConfigFilter
{
    private readonly ConcurrentQueue<string> _routes = new();

    public IReadOnlyCollection<string> Routes => _routes;

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => ValueTask.FromResult(cluster);

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        _routes.Enqueue(route.RouteId);
        return ValueTask.FromResult(route);
    }
}

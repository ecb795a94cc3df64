using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Routing;

/// <summary>
/// The last good configuration's routes and clusters, with the refused one's change token: YARP
/// keeps serving what it has and still hears about the next change.
/// </summary>
internal sealed class KeptProxyConfig(IProxyConfig kept, IChangeToken changeToken) : IProxyConfig
{
    public IReadOnlyList<RouteConfig> Routes => kept.Routes;

    public IReadOnlyList<ClusterConfig> Clusters => kept.Clusters;

    public string RevisionId => kept.RevisionId;

    public IChangeToken ChangeToken => changeToken;
}

using Gateway.Proxy.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using static Gateway.UnitTests.Proxy.Routing.Routes;

namespace Gateway.UnitTests.Proxy.Routing;

/// <summary>The overlap check at start-up and on reload, around a YARP configuration provider.</summary>
public sealed class OverlapCheckedConfigProviderTests
{
    private static readonly ClusterConfig[] Clusters = [Cluster("sampleapi", "https+http://sampleapi")];

    private static readonly RouteConfig[] Overlapping =
        [.. Shipped, Route("leak", "anonymous", "/leak/{**rest}", "sampleapi", null, ("PathPattern", "/admin/{**rest}"))];

    [Fact]
    public void GetConfig_FirstConfigurationOverlaps_Refuse_ThrowsNamingBothRoutes()
    {
        var provider = Checked(new StubProvider(Overlapping), OverlapCheckMode.Refuse);

        var error = Assert.Throws<InvalidOperationException>(provider.GetConfig);
        Assert.Contains("routes 'admin' (policy 'admin') and 'leak' (policy 'anonymous') both reach /admin/** on cluster 'sampleapi'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetConfig_ReloadOverlaps_Refuse_KeepsTheLastGoodRoutesAndListensForTheNextChange()
    {
        var inner = new StubProvider(Shipped);
        var provider = Checked(inner, OverlapCheckMode.Refuse);
        var good = provider.GetConfig();

        inner.Routes = Overlapping;
        var afterBadReload = provider.GetConfig();

        Assert.Same(good.Routes, afterBadReload.Routes);
        Assert.Same(inner.Current.ChangeToken, afterBadReload.ChangeToken);

        // A corrected configuration is applied again.
        inner.Routes = [.. Shipped, Route("extra", "admin", "/extra/{**rest}", "sampleapi", null, ("PathPattern", "/admin/{**rest}"))];
        Assert.Equal(Shipped.Length + 1, provider.GetConfig().Routes.Count);
    }

    [Fact]
    public void GetConfig_Overlaps_Warn_Applied()
    {
        var inner = new StubProvider(Overlapping);

        var config = Checked(inner, OverlapCheckMode.Warn).GetConfig();

        Assert.Same(inner.Current, config);
    }

    private static OverlapCheckedConfigProvider Checked(IProxyConfigProvider inner, OverlapCheckMode mode) =>
        new(inner, new StaticOptionsMonitor<RoutingOptions>(new RoutingOptions { OverlapCheck = mode }), NullLogger<OverlapCheckedConfigProvider>.Instance);

    private sealed class StubProvider(IReadOnlyList<RouteConfig> routes) : IProxyConfigProvider
    {
        public IReadOnlyList<RouteConfig> Routes { get; set; } = routes;

        public StubConfig Current { get; private set; } = null!;

        public IProxyConfig GetConfig() => Current = new StubConfig(Routes, Clusters);
    }

    private sealed class StubConfig(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters) : IProxyConfig
    {
        public IReadOnlyList<RouteConfig> Routes => routes;

        public IReadOnlyList<ClusterConfig> Clusters => clusters;

        public IChangeToken ChangeToken { get; } = new CancellationChangeToken(CancellationToken.None);
    }
}

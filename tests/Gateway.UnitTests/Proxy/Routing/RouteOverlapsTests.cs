using Gateway.Proxy.Routing;
using Yarp.ReverseProxy.Configuration;
using static Gateway.UnitTests.Proxy.Routing.Routes;

namespace Gateway.UnitTests.Proxy.Routing;

/// <summary>Routes with different authorization policies that can reach the same backend path.</summary>
public sealed class RouteOverlapsTests
{
    private static readonly ClusterConfig SampleApi = Cluster("sampleapi", "https+http://sampleapi");

    /// <summary>The sample API's gRPC endpoint: another port of the same server.</summary>
    private static readonly ClusterConfig SampleApiGrpc = Cluster("sampleapi-grpc", "http://_grpc.sampleapi");

    [Fact]
    public void Find_ShippedRoutes_NoOverlap()
    {
        Assert.Empty(RouteOverlaps.Find(Shipped, [SampleApi, SampleApiGrpc]));
    }

    [Fact]
    public void Find_AnonymousRouteIntoApiThroughTheGrpcEndpoint_OverlapWithApi()
    {
        // The gRPC endpoint serves the sample API's HTTP paths too (over HTTP/2): a route to it is a
        // route to the same server as https+http://sampleapi.
        RouteConfig[] routes = [.. Shipped, Route("h2", "anonymous", "/h2/{**rest}", "sampleapi-grpc", null, ("PathPattern", "/api/{**rest}"))];

        var overlap = Assert.Single(RouteOverlaps.Find(routes, [SampleApi, SampleApiGrpc]));

        Assert.Equal(("api", "h2"), (overlap.FirstRoute, overlap.SecondRoute));
        Assert.Equal("sampleapi (clusters 'sampleapi' and 'sampleapi-grpc')", overlap.Backend);
    }

    [Fact]
    public void Find_PublicRewrittenIntoApi_AsShippedBefore_EveryPairOfDifferentPolicies()
    {
        RouteConfig[] routes =
        [
            Route("public", "anonymous", "/public/{**rest}", "sampleapi", null, ("PathPattern", "/api/{**rest}")),
            Route("api", "authenticated", "/api/{**rest}", "sampleapi"),
            Route("pro", "pro-plan", "/pro/{**rest}", "sampleapi", null, ("PathPattern", "/api/{**rest}")),
            Route("admin", "admin", "/admin/{**rest}", "sampleapi", null, ("PathPattern", "/api/{**rest}")),
        ];

        var overlaps = RouteOverlaps.Find(routes, [SampleApi]);

        Assert.Equal(6, overlaps.Count);
        var publicAdmin = Assert.Single(overlaps, o => o.FirstRoute == "public" && o.SecondRoute == "admin");
        Assert.Equal("/api/**", publicAdmin.ExamplePath);
        Assert.Equal("cluster 'sampleapi'", publicAdmin.Backend);
        Assert.Contains("'public' (policy 'anonymous') and 'admin' (policy 'admin')", publicAdmin.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The end-to-end fixture's routes (GatewayAppFixture) on top of the shipped ones start in Refuse mode.</summary>
    [Fact]
    public void Find_EndToEndFixtureRoutes_NoOverlap()
    {
        RouteConfig[] routes =
        [
            .. Shipped,
            Route("rl-strict", "authenticated", "/rl/strict/{**rest}", "sampleapi", null, ("PathPattern", "/api/{**rest}")),
            Route("rl-ip", "anonymous", "/rl/ip/{**rest}", "sampleapi", null, ("PathPattern", "/public/{**rest}")),
            Route("nolimit", "authenticated", "/nolimit/{**rest}", "sampleapi", null, ("PathPattern", "/api/{**rest}")),
            Route("broken", "anonymous", "/broken/{**rest}", "broken"),
            Route("sink", "anonymous", "/sink/{**rest}", "sink"),
            Route("retry", "anonymous", "/retry/{**rest}", "retry", null, ("PathPattern", "/public/{**rest}")),
            Route("greeter-tiny", "authenticated", "/gateway.sample.v1.Greeter/{method}", "sampleapi-grpc", ["POST"]),
        ];
        ClusterConfig[] clusters =
        [
            SampleApi,
            SampleApiGrpc,
            Cluster("broken", "http://127.0.0.1:1"),
            Cluster("sink", "http://127.0.0.1:25000"),
            Cluster("retry", "http://127.0.0.1:1", "https+http://sampleapi"),
        ];

        Assert.Empty(RouteOverlaps.Find(routes, clusters));
    }

    [Fact]
    public void Find_AnonymousRouteOfAnotherClusterIntoApi_OnTheSameDestination_Overlap()
    {
        RouteConfig[] routes =
        [
            .. Shipped,
            Route("retry", "anonymous", "/retry/{**rest}", "retry", null, ("PathPattern", "/api/{**rest}")),
        ];

        var overlap = Assert.Single(RouteOverlaps.Find(routes, [SampleApi, Cluster("retry", "http://127.0.0.1:1", "https+http://SampleApi")]));

        Assert.Equal(("api", "retry"), (overlap.FirstRoute, overlap.SecondRoute));
        Assert.Equal("sampleapi (clusters 'sampleapi' and 'retry')", overlap.Backend);
    }

    [Theory]
    [InlineData("http://backend-a", "http://backend-b", false)]
    [InlineData("http://backend:8080", "http://backend:8081", false)]
    [InlineData("http://backend:8080", "http://backend", true)]
    [InlineData("http://backend:8080", "https+http://backend", true)]
    [InlineData("http://localhost:5000", "http://127.0.0.1:5000", true)]
    [InlineData("http://[::1]:5000", "http://127.0.0.2:5000", true)]
    [InlineData("http://api.localhost:5000", "http://localhost:5000", true)]
    [InlineData("http://backend/v1", "http://backend/v2", false)]
    [InlineData("http://backend/admin", "http://backend/", true)]
    [InlineData("http://_grpc.backend", "https+http://backend", true)]
    [InlineData("http://_grpc.backend", "http://backend:8080", true)]
    [InlineData("http://_grpc._tcp.backend", "http://_http.backend", true)]
    [InlineData("http://_grpc.backend-a", "http://backend-b", false)]
    public void Find_TwoClusters_OverlapOnlyWhenADestinationMayBeTheSameServerAndPath(string adminAddress, string publicAddress, bool overlap)
    {
        // The admin route reaches /admin/** below its destination's path, the public one /** below its own.
        RouteConfig[] routes =
        [
            Route("admin", "admin", "/admin/{**rest}", "admins"),
            Route("public", "anonymous", "/public/{**rest}", "public", null, ("PathRemovePrefix", "/public"), ("PathPrefix", "/admin")),
        ];

        var found = RouteOverlaps.Find(routes, [Cluster("admins", adminAddress), Cluster("public", publicAddress)]);

        Assert.Equal(overlap, found.Count == 1);
    }

    [Fact]
    public void Find_SameClusterWithoutDestinations_StillTheSameBackend()
    {
        RouteConfig[] routes = [Route("a", "admin", "/x/{**rest}", "resolved"), Route("b", "anonymous", "/x/{id}", "resolved")];

        var overlap = Assert.Single(RouteOverlaps.Find(routes, [Cluster("resolved")]));
        Assert.Equal("/x/{any}", overlap.ExamplePath);
    }

    [Theory]
    [InlineData("admin", "admin", false)]
    [InlineData("admin", "Admin", false)]
    [InlineData("anonymous", "ANONYMOUS", false)]
    [InlineData("admin", "anonymous", true)]
    [InlineData(null, "anonymous", true)]
    [InlineData(null, null, false)]
    [InlineData("default", "authenticated", true)]
    public void Find_SamePaths_OverlapOnlyWithDifferentPolicies(string? first, string? second, bool overlap)
    {
        RouteConfig[] routes = [Route("a", first, "/x/{**rest}"), Route("b", second, "/y/{**rest}", ("PathPattern", "/x/{**rest}"))];

        Assert.Equal(overlap, RouteOverlaps.Find(routes, [Cluster("app", "http://app")]).Count == 1);
    }

    [Theory]
    [InlineData(new[] { "GET" }, new[] { "POST" }, false)]
    [InlineData(new[] { "GET" }, new[] { "get", "POST" }, true)]
    [InlineData(new[] { "GET" }, null, true)]
    public void Find_MethodsThatNeverMeet_NoOverlap(string[]? first, string[]? second, bool overlap)
    {
        RouteConfig[] routes = [Route("read", "anonymous", "/items/{**rest}", "app", first), Route("write", "admin", "/items/{**rest}", "app", second)];

        Assert.Equal(overlap, RouteOverlaps.Find(routes, [Cluster("app", "http://app")]).Count == 1);
    }

    [Fact]
    public void Find_MethodChangeTransform_MeetsEveryMethod()
    {
        RouteConfig[] routes =
        [
            Route("read", "anonymous", "/items/{**rest}", "app", ["GET"], ("HttpMethodChange", "GET"), ("Set", "POST")),
            Route("write", "admin", "/items/{**rest}", "app", ["POST"]),
        ];

        Assert.Single(RouteOverlaps.Find(routes, [Cluster("app", "http://app")]));
    }

    [Theory]
    [InlineData("/items/{id}", "/items/{id}/delete", false)]
    [InlineData("/items/{id}", "/items/{**rest}", true)]
    [InlineData("/status", "/status/{**rest}", true)]
    [InlineData("/public/{**rest}", "/publicadmin/{**rest}", false)]
    public void Find_PathShapes_OverlapOnlyWhenSomePathIsInBoth(string anonymousPath, string adminPath, bool overlap)
    {
        RouteConfig[] routes = [Route("anon", "anonymous", anonymousPath), Route("admin", "admin", adminPath)];

        Assert.Equal(overlap, RouteOverlaps.Find(routes, [Cluster("app", "http://app")]).Count == 1);
    }

    [Fact]
    public void Find_UnknownTransformOnAnAnonymousRoute_OverlapsEveryOtherPolicyOnTheBackend()
    {
        RouteConfig[] routes = [.. Shipped.Where(r => r.RouteId != "public"), Route("public", "anonymous", "/public/{**rest}", "sampleapi", null, ("CustomRewrite", "x"))];

        var overlaps = RouteOverlaps.Find(routes, [SampleApi]);

        Assert.Equal(["admin", "api", "pro"], overlaps.Select(o => o.FirstRoute).Order());
    }

    [Fact]
    public void Find_PathSetIntoAProtectedSpace_Overlap()
    {
        RouteConfig[] routes = [.. Shipped, Route("status", "anonymous", "/status", "sampleapi", null, ("PathSet", "/admin/status"))];

        var overlap = Assert.Single(RouteOverlaps.Find(routes, [SampleApi]));
        Assert.Equal(("admin", "status", "/admin/status"), (overlap.FirstRoute, overlap.SecondRoute, overlap.ExamplePath));
    }
}

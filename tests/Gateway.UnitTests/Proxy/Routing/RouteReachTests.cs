using Gateway.Proxy.Routing;
using static Gateway.UnitTests.Proxy.Routing.Routes;

namespace Gateway.UnitTests.Proxy.Routing;

/// <summary>Which backend paths a route can reach, from its Match.Path and path transforms.</summary>
public sealed class RouteReachTests
{
    public static TheoryData<string, string?, (string, string)[], string[], string[]> Cases => new()
    {
        // Match.Path, transforms, reachable examples, unreachable examples.
        { "no transform: the request path as it is", "/public/{**rest}", [], ["/public", "/public/", "/public/a/b/c", "/PUBLIC/x"], ["/api/x", "/", "/publicx"] },
        { "PathPattern onto another space", "/public/{**rest}", [("PathPattern", "/api/{**rest}")], ["/api", "/api/a/b"], ["/public/a", "/admin"] },
        { "PathPattern with a one-segment parameter", "/x/{id}", [("PathPattern", "/api/{id}/details")], ["/api/5/details"], ["/api/5", "/api/5/6/details", "/x/5"] },
        { "PathPattern binding a catch-all to a one-segment slot is any depth", "/x/{**rest}", [("PathPattern", "/api/{rest}/end")], ["/api/a/b/c", "/api"], ["/other"] },
        { "PathPattern with a value the route does not capture", "/x", [("PathPattern", "/api/{missing}/y")], ["/api/anything/deeper"], ["/x", "/other"] },
        { "optional parameter: with or without", "/x/{id?}", [], ["/x", "/x/5"], ["/x/5/6"] },
        { "default value: with or without", "/x/{page=1}", [], ["/x", "/x/2"], ["/x/2/3"] },
        { "optional parameter bound by PathPattern", "/x/{id?}", [("PathPattern", "/api/items/{id}")], ["/api/items", "/api/items/7"], ["/api/items/7/8"] },
        { "complex segment is one segment", "/files/{name}.{ext}", [], ["/files/a.txt"], ["/files/a/b.txt", "/files"] },
        { "constrained parameter is still any segment", "/orders/{id:int}", [], ["/orders/12", "/orders/abc"], ["/orders/1/2"] },
        { "PathPrefix", "/items/{**rest}", [("PathPrefix", "/v1")], ["/v1/items/a"], ["/items/a", "/v1/other"] },
        { "PathRemovePrefix, always removed", "/svc/orders/{**rest}", [("PathRemovePrefix", "/svc")], ["/orders/1"], ["/svc/orders/1"] },
        { "PathRemovePrefix, removed or not (parameter where the prefix is)", "/{tenant}/{**rest}", [("PathRemovePrefix", "/t1")], ["/t1/x", "/x", "/t2/y"], [] },
        { "PathRemovePrefix, never matching", "/api/{**rest}", [("PathRemovePrefix", "/other")], ["/api/x"], ["/x"] },
        { "PathRemovePrefix ending in the catch-all: anything may remain", "/public/{**rest}", [("PathRemovePrefix", "/public/admin")], ["/public/x", "/anything/at/all"], [] },
        { "PathSet", "/public/{**rest}", [("PathSet", "/fixed/path")], ["/fixed/path"], ["/fixed", "/fixed/path/x", "/public/x"] },
        { "transforms in order", "/a/{**rest}", [("PathRemovePrefix", "/a"), ("PathPrefix", "/b")], ["/b/x"], ["/a/x", "/x"] },
        { "unknown transform: anything", "/public/{**rest}", [("MyPathRewrite", "x")], ["/admin/secret", "/"], [] },
        { "path-neutral transform: unchanged", "/public/{**rest}", [("RequestHeader", "X-A")], ["/public/x"], ["/admin/x"] },
        { "no Match.Path: every path", null, [], ["/", "/admin/x"], [] },
        { "literal route", "/status", [], ["/status", "/Status"], ["/status/x", "/"] },
        { "invalid Match.Path (YARP refuses it): anything", "/x/{", [], ["/admin/x"], [] },
        { "invalid PathPattern (YARP refuses it): anything", "/x/{**rest}", [("PathPattern", "/api/{rest")], ["/admin/x"], [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Of_PathAndTransforms_ReachesExactlyTheExpectedPaths(string scenario, string? path, (string, string)[] transforms, string[] reachable, string[] unreachable)
    {
        var reach = RouteReach.Of(Route("r", "anonymous", path, transforms));

        foreach (var backendPath in reachable)
        {
            Assert.True(reach.Paths.Any(p => p.Contains(backendPath)), $"{scenario}: {backendPath} should be reachable ({string.Join(", ", reach.Paths)})");
        }

        foreach (var backendPath in unreachable)
        {
            Assert.False(reach.Paths.Any(p => p.Contains(backendPath)), $"{scenario}: {backendPath} should not be reachable ({string.Join(", ", reach.Paths)})");
        }
    }

    [Fact]
    public void Of_HttpMethodChange_AnyMethod()
    {
        var plain = RouteReach.Of(Route("get", "anonymous", "/x", "app", ["GET"]));
        var changed = RouteReach.Of(Route("changed", "anonymous", "/x", "app", ["GET"], ("HttpMethodChange", "GET")));

        Assert.NotNull(plain.Methods);
        Assert.Null(changed.Methods);
    }

    [Theory]
    [InlineData("/a/{**rest}", "/a/b", true)]
    [InlineData("/a/{id}", "/a/{**rest}", true)]
    [InlineData("/a/{id}", "/a/{x}/{y}", false)]
    [InlineData("/a/b", "/A/B", true)]
    [InlineData("/a/b", "/a/c", false)]
    [InlineData("/{**rest}", "/anything", true)]
    [InlineData("/a/{x}/c", "/{y}/b/{**rest}", true)]
    [InlineData("/a/{x}/c", "/{y}/b/d", false)]
    public void PathShapes_Overlap_OnlyWhenSomePathIsInBoth(string first, string second, bool overlap)
    {
        var mine = RouteReach.Of(Route("a", null, first)).Paths;
        var theirs = RouteReach.Of(Route("b", null, second)).Paths;

        Assert.Equal(overlap, mine.Any(m => theirs.Any(m.Overlaps)));
        Assert.Equal(overlap, theirs.Any(t => mine.Any(t.Overlaps)));
    }
}

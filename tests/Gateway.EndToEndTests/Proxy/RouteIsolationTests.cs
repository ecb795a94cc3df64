using System.Text.Json;
using Gateway.EndToEndTests.Hostile;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.Proxy.Routing;
using Gateway.TestSupport;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.EndToEndTests.Proxy;

/// <summary>
/// Acceptance test of issue #18 (routes cannot be walked around): with the shipped routes
/// (Gateway.Proxy/appsettings.json), no anonymous request reaches a backend path that a protected
/// route forwards to, however the path is spelled. The sample API's echo says which path reached it.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class RouteIsolationTests(GatewayAppFixture fixture) : HostileTestBase(fixture)
{
    /// <summary>Ways to spell "go up from the anonymous route's space into another's" ({0} the anonymous route's prefix, {1} the protected one's, without its '/').</summary>
    private static readonly string[] Walks =
    [
        "{0}/echo", // the control: must reach the backend, inside the anonymous space
        "{0}/../{1}/echo", "{0}/./../{1}/echo", "{0}/%2e%2e/{1}/echo", "{0}/%2E%2E/{1}/echo", "{0}/.%2e/{1}/echo",
        "{0}/%252e%252e/{1}/echo", "{0}/..%2f{1}/echo", "{0}/..%2F{1}/echo", "{0}/..%5c{1}/echo", "{0}/..\\{1}/echo",
        "{0}%2f..%2f{1}/echo", "{0}/%2e%2e%2f{1}/echo", "{0}/%c0%ae%c0%ae/{1}/echo", "{0}/%u002e%u002e/{1}/echo",
        "{0};x/../{1}/echo", "{0}/..;/{1}/echo", "{0}//../{1}/echo", "{0}/{1}/echo", "{0}/{1}/../../{1}/echo",
        "http://localhost{0}/../{1}/echo", "/{1}/echo", "/{1}/ECHO", "/{1}/./echo", "/{1}/%65cho", "/{1}/../{1}/echo",
    ];

    [Fact]
    public async Task ShippedRoutes_AnonymousRequest_NeverReachesAPathAProtectedRouteForwardsTo()
    {
        var routes = ShippedRoutes();
        var anonymous = routes.Where(r => string.Equals(r.AuthorizationPolicy, "anonymous", StringComparison.OrdinalIgnoreCase)).ToList();
        var protectedRoutes = routes.Except(anonymous).Select(RouteReach.Of).ToList();
        Assert.NotEmpty(anonymous);
        Assert.True(protectedRoutes.Count >= 3, "the shipped configuration has api, pro and admin routes");

        var sent = 0;
        var echoed = 0;
        foreach (var anon in anonymous)
        {
            var anonPrefix = LiteralPrefix(anon.Match.Path);
            foreach (var guarded in protectedRoutes)
            {
                var guardedPrefix = LiteralPrefix(guarded.Route.Match.Path);
                foreach (var walk in Walks)
                {
                    var target = string.Format(System.Globalization.CultureInfo.InvariantCulture, walk, anonPrefix, guardedPrefix.TrimStart('/'));
                    var response = await RawHttp.SendAsync(ProxyPort(sent % 2), SourceAddress(73, sent), RawHttp.Request("GET", target, []));
                    sent++;

                    Assert.True(response is not null, $"{target}: no response");
                    Assert.True(response.Status < 500, $"{target}: {response.Status}");
                    if (response.Status is < 200 or >= 300)
                    {
                        continue;
                    }

                    echoed++;
                    var path = JsonSerializer.Deserialize<JsonElement>(response.Body).GetProperty("path").GetString()!;
                    var reachedBy = protectedRoutes.Where(r => r.Paths.Any(p => p.Contains(path))).Select(r => r.Route.RouteId).ToList();
                    Assert.True(reachedBy.Count == 0, $"anonymous {target} reached backend path {path}, which route(s) {string.Join(", ", reachedBy)} guard");
                }
            }
        }

        // The controls ({0}/echo) got through: the test can see what reaches the backend.
        Assert.True(echoed >= protectedRoutes.Count, $"only {echoed} of {sent} requests reached the backend");
    }

    /// <summary>The routes of the proxy's appsettings.json, as YARP reads them.</summary>
    private static List<RouteConfig> ShippedRoutes()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot(), "Gateway.Proxy", "appsettings.json")));
        return
        [
            .. settings.RootElement.GetProperty("ReverseProxy").GetProperty("Routes").EnumerateObject().Select(route => new RouteConfig
            {
                RouteId = route.Name,
                ClusterId = route.Value.GetProperty("ClusterId").GetString(),
                AuthorizationPolicy = route.Value.TryGetProperty("AuthorizationPolicy", out var policy) ? policy.GetString() : null,
                Match = new RouteMatch { Path = route.Value.GetProperty("Match").TryGetProperty("Path", out var path) ? path.GetString() : null },
                Transforms = route.Value.TryGetProperty("Transforms", out var transforms)
                    ? [.. transforms.EnumerateArray().Select(t => (IReadOnlyDictionary<string, string>)t.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!))]
                    : null,
            }),
        ];
    }

    /// <summary>"/public/{**rest}" → "/public": the literal segments a request starts with to match the route.</summary>
    private static string LiteralPrefix(string? routePath) =>
        "/" + string.Join('/', (routePath ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries).TakeWhile(s => !s.Contains('{', StringComparison.Ordinal)));
}

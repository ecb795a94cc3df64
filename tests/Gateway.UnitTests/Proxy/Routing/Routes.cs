using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Proxy.Routing;

/// <summary>Terse YARP route and cluster configurations for the routing tests.</summary>
internal static class Routes
{
    public static RouteConfig Route(string id, string? policy, string? path, string cluster = "app", string[]? methods = null, params (string Key, string Value)[] transforms) =>
        new()
        {
            RouteId = id,
            ClusterId = cluster,
            AuthorizationPolicy = policy,
            Match = new RouteMatch { Path = path, Methods = methods },
            Transforms = [.. transforms.Select(t => (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { [t.Key] = t.Value })],
        };

    public static RouteConfig Route(string id, string? policy, string? path, params (string Key, string Value)[] transforms) =>
        Route(id, policy, path, "app", null, transforms);

    public static ClusterConfig Cluster(string id, params string[] addresses) =>
        new()
        {
            ClusterId = id,
            Destinations = addresses.Select((a, i) => (a, i)).ToDictionary(d => $"d{d.i}", d => new DestinationConfig { Address = d.a }),
        };

    /// <summary>The routes of Gateway.Proxy/appsettings.json.</summary>
    public static RouteConfig[] Shipped =>
    [
        Route("public", "anonymous", "/public/{**rest}", "sampleapi"),
        Route("api", "authenticated", "/api/{**rest}", "sampleapi"),
        Route("pro", "pro-plan", "/pro/{**rest}", "sampleapi"),
        Route("admin", "admin", "/admin/{**rest}", "sampleapi"),
        Route("greeter", "authenticated", "/gateway.sample.v1.Greeter/{method}", "sampleapi-grpc", ["POST"]),
    ];
}

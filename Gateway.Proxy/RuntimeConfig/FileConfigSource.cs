using Gateway.Proxy.Authorization;
using Gateway.Proxy.RateLimiting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// The configuration file's routes, clusters and policies as a document: version 0, what a replica
/// serves until a stored version reaches it, and what it offers as version 1 to an empty store.
/// The routes and clusters are read by YARP's own configuration reader (<c>LoadFromConfig</c>).
/// </summary>
internal sealed class FileConfigSource(IProxyConfigProvider file, IConfiguration configuration, IOptions<RateLimitingOptions> rateLimiting)
{
    public GatewayConfigDocument Read()
    {
        var yarp = file.GetConfig();
        var authorization = configuration.GetSection(AuthorizationExtensions.SectionName).Get<Dictionary<string, RoutePolicyOptions>>() ?? [];
        var document = new GatewayConfigDocument
        {
            Routes = yarp.Routes.ToDictionary(r => r.RouteId, StringComparer.OrdinalIgnoreCase),
            Clusters = yarp.Clusters.ToDictionary(c => c.ClusterId, StringComparer.OrdinalIgnoreCase),
            AuthorizationPolicies = new(authorization, StringComparer.OrdinalIgnoreCase),
            RateLimitPolicies = new(rateLimiting.Value.Policies, StringComparer.Ordinal),
        };

        // Through JSON and back: the file's version 0 is exactly what version 1 will be.
        return ConfigDocumentJson.TryParse(ConfigDocumentJson.Serialize(document), out var error)
            ?? throw new InvalidOperationException("The configuration file's proxy settings do not round-trip: " + error);
    }
}

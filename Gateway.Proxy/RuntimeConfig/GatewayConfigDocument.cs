using System.ComponentModel.DataAnnotations;
using Gateway.Proxy.Authorization;
using Gateway.Proxy.RateLimiting;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// One complete version of the gateway's runtime configuration, as the admin API accepts it and the
/// auth service stores it (JSON, <see cref="ConfigDocumentJson"/>): YARP's own route and cluster
/// shapes (the <c>ReverseProxy</c> section of appsettings.json, keyed by id), the gateway's
/// authorization and rate-limit policies (the shapes of <c>Gateway:Authorization:Policies</c> and
/// <c>Gateway:RateLimiting:Policies</c>) and the plans' limits.
/// </summary>
internal sealed class GatewayConfigDocument
{
    public Dictionary<string, RouteConfig> Routes { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, ClusterConfig> Clusters { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, RoutePolicyOptions> AuthorizationPolicies { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, RateLimitPolicyOptions> RateLimitPolicies { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, PlanSettings> Plans { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A plan's limit, as in <c>Auth:Plans:&lt;name&gt;</c>: at most this many requests per window. The
/// bounds are the contract's (<see cref="Contracts.Configuration.PlanLimits"/>), which the auth
/// service applies to the same section.
/// </summary>
internal sealed class PlanSettings
{
    [Range(Contracts.Configuration.PlanLimits.MinRequestsPerWindow, Contracts.Configuration.PlanLimits.MaxRequestsPerWindow)]
    public int RequestsPerWindow { get; init; }

    [Range(Contracts.Configuration.PlanLimits.MinWindowSeconds, Contracts.Configuration.PlanLimits.MaxWindowSeconds)]
    public int WindowSeconds { get; init; } = Contracts.Configuration.PlanLimits.DefaultWindowSeconds;
}

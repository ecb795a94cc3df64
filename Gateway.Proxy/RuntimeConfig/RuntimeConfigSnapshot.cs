using System.Collections.Frozen;
using System.Globalization;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Authorization;
using Gateway.Proxy.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// A validated version as one replica serves it: YARP's routes and clusters, the authorization
/// policies built, the rate-limit policies and the plans' limits, all swapped at once
/// (<see cref="RuntimeConfigState"/>), so a request never sees half of two versions' tables.
/// </summary>
internal sealed class RuntimeConfigSnapshot
{
    /// <summary>Route metadata: the gateway rate-limit policy of a route (see <see cref="RouteRateLimiting"/>).</summary>
    public const string RateLimiterPolicyMetadata = "Gateway.RateLimiterPolicy";

    /// <summary>Route metadata: the version the route belongs to, so that every version rebuilds every endpoint.</summary>
    public const string VersionMetadata = "Gateway.ConfigVersion";

    private RuntimeConfigSnapshot(ConfigVersionInfo info, string document, GatewayConfigDocument config)
    {
        Info = info;
        Document = document;
        Config = config;
        AuthorizationPolicies = config.AuthorizationPolicies.ToFrozenDictionary(p => p.Key, p => Build(p.Value), StringComparer.OrdinalIgnoreCase);
        RateLimitPolicies = config.RateLimitPolicies.ToFrozenDictionary(StringComparer.Ordinal);
        Plans = config.Plans.ToFrozenDictionary(StringComparer.Ordinal);
        Clusters = [.. config.Clusters.Values];
        Routes = [.. config.Routes.Values.Select(route => ForYarp(route, info.Version))];
    }

    public ConfigVersionInfo Info { get; }

    public long Version => Info.Version;

    /// <summary>The document as stored (or, for version 0, as read from the configuration file).</summary>
    public string Document { get; }

    public GatewayConfigDocument Config { get; }

    public IReadOnlyList<RouteConfig> Routes { get; }

    public IReadOnlyList<ClusterConfig> Clusters { get; }

    public FrozenDictionary<string, AuthorizationPolicy> AuthorizationPolicies { get; }

    public FrozenDictionary<string, RateLimitPolicyOptions> RateLimitPolicies { get; }

    public FrozenDictionary<string, PlanSettings> Plans { get; }

    public static RuntimeConfigSnapshot Create(ConfigVersionInfo info, string document, GatewayConfigDocument config) => new(info, document, config);

    /// <summary>YARP's view of this version, with a token that fires when the next one is applied.</summary>
    public IProxyConfig ProxyConfig(IChangeToken changeToken) => new Proxy(this, changeToken);

    /// <summary>
    /// The route as YARP gets it: a gateway rate-limit policy moves into metadata (the endpoint
    /// convention of <see cref="RouteRateLimiting"/> attaches it), because ASP.NET's rate limiting
    /// middleware resolves policy names once, at start-up, and YARP checks them against that set;
    /// the version stamp makes YARP build every route's endpoint again, which also clears
    /// ASP.NET's per-endpoint cache of authorization policies.
    /// </summary>
    private static RouteConfig ForYarp(RouteConfig route, long version)
    {
        var metadata = new Dictionary<string, string>(route.Metadata ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
        {
            [VersionMetadata] = version.ToString(CultureInfo.InvariantCulture),
        };
        var limiter = route.RateLimiterPolicy;
        if (!string.IsNullOrEmpty(limiter) && !RouteRateLimiting.IsBuiltIn(limiter))
        {
            metadata[RateLimiterPolicyMetadata] = limiter;
            limiter = null;
        }

        return route with { Metadata = metadata, RateLimiterPolicy = limiter };
    }

    /// <summary>The same requirements <see cref="AuthorizationExtensions"/> builds for a file policy.</summary>
    private static AuthorizationPolicy Build(RoutePolicyOptions options)
    {
        var policy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser();
        if (options.Roles.Length > 0)
        {
            policy.RequireRole(options.Roles);
        }

        if (options.Plans.Length > 0)
        {
            policy.RequireClaim(GatewayAuthentication.Claims.Plan, options.Plans);
        }

        return policy.Build();
    }

    private sealed class Proxy(RuntimeConfigSnapshot snapshot, IChangeToken changeToken) : IProxyConfig
    {
        public IReadOnlyList<RouteConfig> Routes => snapshot.Routes;

        public IReadOnlyList<ClusterConfig> Clusters => snapshot.Clusters;

        public string RevisionId { get; } = snapshot.Version.ToString(CultureInfo.InvariantCulture);

        public IChangeToken ChangeToken => changeToken;
    }
}

/// <summary>Who stored a version, when and why (version 0: the configuration file, never stored).</summary>
internal sealed record ConfigVersionInfo(long Version, string Author, DateTimeOffset CreatedAt, string Summary, long RestoredFrom)
{
    public static ConfigVersionInfo File(DateTimeOffset loadedAt) => new(0, "configuration file", loadedAt, "The configuration file (no stored version reached this replica).", 0);
}

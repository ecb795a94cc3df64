using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Gateway.Proxy.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// Attaches each YARP route's gateway rate-limit policy to its endpoint as a policy object
/// (<see cref="RateLimiterEndpointConventionBuilderExtensions.RequireRateLimiting{TBuilder, TPartitionKey}(TBuilder, IRateLimiterPolicy{TPartitionKey})"/>),
/// not as a name: ASP.NET's rate limiting middleware copies its named policies once, when it is
/// built, so a policy added by a later version would be unknown to it (a 500 on every request).
/// The policy object asks <see cref="RateLimitPartitioner"/> by name on each request, and the
/// partitioner reads the policy's settings from the version being served.
/// </summary>
internal sealed class RouteRateLimiting(RateLimitPartitioner partitioner)
{
    private readonly ConcurrentDictionary<string, NamedPolicy> _policies = new(StringComparer.Ordinal);

    /// <summary>YARP's own values of <c>RateLimiterPolicy</c>: "default" (the global limiter only) and "disable".</summary>
    public static bool IsBuiltIn(string name) =>
        string.Equals(name, "default", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "disable", StringComparison.OrdinalIgnoreCase);

    /// <summary>For <c>ConfigureEndpoints</c> of YARP's endpoint conventions.</summary>
    public void Apply(IEndpointConventionBuilder endpoint, RouteConfig route)
    {
        if (route.Metadata?.TryGetValue(RuntimeConfigSnapshot.RateLimiterPolicyMetadata, out var name) == true)
        {
            var policy = _policies.GetOrAdd(name, static (name, partitioner) => new NamedPolicy(name, partitioner), partitioner);
            endpoint.RequireRateLimiting(policy);
        }
    }

    private sealed class NamedPolicy(string name, RateLimitPartitioner partitioner) : IRateLimiterPolicy<string>
    {
        // Explicit: for a policy object the middleware calls the policy's own handler, and none at
        // all when it has none (a bare 429), not the options' default.
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = RateLimitingExtensions.OnRejectedAsync;

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) => partitioner.Partition(httpContext, name);
    }
}

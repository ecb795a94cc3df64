using System.ComponentModel.DataAnnotations;
using Gateway.Proxy.Authorization;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Routing;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// Everything a version must pass before it is stored and again before a replica applies it: YARP's
/// own validators (<see cref="IConfigValidator"/>, the ones YARP runs when it applies routes and
/// clusters), then the gateway's rules across the document: every name a route uses exists in the
/// same version, no route guards a backend path another route guards differently
/// (<see cref="RouteOverlaps"/>), the gateway's own endpoints keep their policies and paths.
/// </summary>
internal sealed class ConfigDocumentValidator(
    IConfigValidator yarp, IOptionsMonitor<RoutingOptions> routing, IOptionsMonitor<RateLimitingOptions> rateLimiting)
{
    /// <summary>Path spaces of the gateway's own endpoints (admin API, diagnostics, accounts, health): no route may claim them.</summary>
    public static readonly string[] ReservedPaths = ["/gateway", "/auth", "/health", "/alive"];

    /// <summary>The authorization policy the admin API and diagnostics require: a version without it would lock every operator out.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The accounts API's limit per client address (mapped at start-up).</summary>
    public const string AccountsRateLimitPolicy = "auth-endpoints";

    /// <summary>Names ASP.NET and YARP give a meaning of their own.</summary>
    private static readonly string[] BuiltInAuthorizationPolicies = ["default", "anonymous", AuthorizationExtensions.Authenticated];

    private static readonly string[] BuiltInRateLimiterPolicies = ["default", "disable"];

    public async Task<ConfigValidation> ValidateAsync(GatewayConfigDocument document)
    {
        var result = new ConfigValidation();

        foreach (var (id, cluster) in document.Clusters)
        {
            var at = $"clusters.{id}";
            if (!string.Equals(cluster.ClusterId, id, StringComparison.OrdinalIgnoreCase))
            {
                result.Error(at, $"clusterId '{cluster.ClusterId}' differs from the key '{id}'.");
                continue;
            }

            foreach (var error in await yarp.ValidateClusterAsync(cluster))
            {
                result.Error(at, Message(error));
            }
        }

        foreach (var (id, route) in document.Routes)
        {
            await ValidateRouteAsync(document, id, route, result);
        }

        ValidatePolicies(document, result);

        if (result.IsValid)
        {
            var overlaps = RouteOverlaps.Find([.. document.Routes.Values], [.. document.Clusters.Values]);
            var refuse = routing.CurrentValue.OverlapCheck == OverlapCheckMode.Refuse;
            foreach (var overlap in overlaps)
            {
                var text = $"{overlap}: a caller refused by one route's authorization policy could reach the path through the other. Give each policy its own backend path space";
                if (refuse)
                {
                    result.Error($"routes.{overlap.SecondRoute}", text + $" (or set {RoutingOptions.SectionName}:OverlapCheck=Warn to accept the risk).");
                }
                else
                {
                    result.Warnings.Add(text + ".");
                }
            }
        }

        return result;
    }

    private async Task ValidateRouteAsync(GatewayConfigDocument document, string id, RouteConfig route, ConfigValidation result)
    {
        var at = $"routes.{id}";
        if (!string.Equals(route.RouteId, id, StringComparison.OrdinalIgnoreCase))
        {
            result.Error(at, $"routeId '{route.RouteId}' differs from the key '{id}'.");
            return;
        }

        if (string.IsNullOrEmpty(route.ClusterId))
        {
            result.Error(at, "clusterId is required.");
        }
        else if (!document.Clusters.ContainsKey(route.ClusterId))
        {
            result.Error(at, $"cluster '{route.ClusterId}' is not in this configuration.");
        }

        // Explicit even for a public route: a route without a policy would be open by omission.
        var authorization = route.AuthorizationPolicy;
        if (string.IsNullOrEmpty(authorization))
        {
            result.Error(at, $"authorizationPolicy is required: a policy of this configuration, '{AuthorizationExtensions.Authenticated}', or 'anonymous' for a public route.");
        }
        else if (!IsBuiltIn(authorization, BuiltInAuthorizationPolicies) && !document.AuthorizationPolicies.ContainsKey(authorization))
        {
            result.Error(at, $"authorization policy '{authorization}' is not in this configuration.");
        }

        var limiter = route.RateLimiterPolicy;
        if (!string.IsNullOrEmpty(limiter) && !IsBuiltIn(limiter, BuiltInRateLimiterPolicies) && !document.RateLimitPolicies.ContainsKey(limiter))
        {
            result.Error(at, $"rate-limit policy '{limiter}' is not in this configuration.");
        }

        if (route.Match?.Path is { } path && ReservedPaths.FirstOrDefault(reserved => Claims(path, reserved)) is { } claimed)
        {
            result.Error(at, $"the path '{path}' is in '{claimed}', which the gateway's own endpoints use.");
        }

        // YARP checks the names of this version's policies against the active ones; the gateway
        // checked them against this version above.
        var forYarp = route with
        {
            AuthorizationPolicy = authorization is not null && document.AuthorizationPolicies.ContainsKey(authorization) && !IsBuiltIn(authorization, BuiltInAuthorizationPolicies)
                ? null
                : authorization,
            RateLimiterPolicy = limiter is not null && IsBuiltIn(limiter, BuiltInRateLimiterPolicies) ? limiter : null,
        };
        foreach (var error in await yarp.ValidateRouteAsync(forYarp))
        {
            result.Error(at, Message(error));
        }
    }

    private void ValidatePolicies(GatewayConfigDocument document, ConfigValidation result)
    {
        foreach (var (name, policy) in document.AuthorizationPolicies)
        {
            var at = $"authorizationPolicies.{name}";
            if (IsBuiltIn(name, BuiltInAuthorizationPolicies))
            {
                result.Error(at, $"'{name}' is a built-in policy name.");
            }

            if (policy.Roles.Length == 0 && policy.Plans.Length == 0)
            {
                result.Error(at, $"lists no roles and no plans; use '{AuthorizationExtensions.Authenticated}' for any caller.");
            }
        }

        if (!document.AuthorizationPolicies.ContainsKey(AdminPolicy))
        {
            result.Error($"authorizationPolicies.{AdminPolicy}", "is required: the admin API and the diagnostics endpoint use it.");
        }

        foreach (var (name, policy) in document.RateLimitPolicies)
        {
            var at = $"rateLimitPolicies.{name}";
            if (IsBuiltIn(name, BuiltInRateLimiterPolicies))
            {
                result.Error(at, $"'{name}' is a built-in policy name.");
            }

            Annotations(policy, at, result);
            if (!Enum.IsDefined(policy.Partition) || (policy.Mode is { } mode && !Enum.IsDefined(mode)) || !Enum.IsDefined(policy.FailMode))
            {
                result.Error(at, "partition, mode or failMode is not one of the documented values.");
            }
        }

        foreach (var required in new[] { AccountsRateLimitPolicy, rateLimiting.CurrentValue.FailedCredentialPolicy })
        {
            if (required.Length > 0 && !document.RateLimitPolicies.ContainsKey(required))
            {
                result.Error($"rateLimitPolicies.{required}", "is required: the gateway's own endpoints use it.");
            }
            else if (required.Length > 0 && document.RateLimitPolicies[required].Partition != PartitionBy.ClientIp)
            {
                result.Error($"rateLimitPolicies.{required}", "must partition by ClientIp: it limits callers before their credential is known.");
            }
        }

        foreach (var (name, plan) in document.Plans)
        {
            var at = $"plans.{name}";
            if (!Contracts.Configuration.PlanNames.IsValid(name))
            {
                result.Error(at, "the name " + Contracts.Configuration.PlanNames.Rule + ".");
            }

            Annotations(plan, at, result);
        }
    }

    private static void Annotations(object value, string at, ConfigValidation result)
    {
        var failures = new List<ValidationResult>();
        if (!Validator.TryValidateObject(value, new ValidationContext(value), failures, validateAllProperties: true))
        {
            foreach (var failure in failures)
            {
                result.Error(at, failure.ErrorMessage ?? "is invalid.");
            }
        }
    }

    /// <summary>Whether the route pattern <paramref name="path"/> lies in the path space <paramref name="reserved"/> (whole segments, any case).</summary>
    internal static bool Claims(string path, string reserved)
    {
        var trimmed = path.TrimStart('/');
        var space = reserved.TrimStart('/');
        // A pattern starting with a parameter or catch-all ("/{**rest}") is a route for every path,
        // and ASP.NET routing ranks the gateway's literal endpoints above it: it claims nothing.
        return trimmed.StartsWith(space, StringComparison.OrdinalIgnoreCase)
            && (trimmed.Length == space.Length || trimmed[space.Length] == '/');
    }

    private static bool IsBuiltIn(string name, string[] builtIn) => builtIn.Contains(name, StringComparer.OrdinalIgnoreCase);

    private static string Message(Exception error) =>
        error.InnerException is { } inner ? $"{error.Message} {inner.Message}" : error.Message;
}

/// <summary>The outcome of <see cref="ConfigDocumentValidator"/>: messages per place (<c>routes.orders</c>), and warnings.</summary>
internal sealed class ConfigValidation
{
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);

    public List<string> Warnings { get; } = [];

    public bool IsValid => Errors.Count == 0;

    public void Error(string at, string message)
    {
        if (!Errors.TryGetValue(at, out var messages))
        {
            Errors[at] = messages = [];
        }

        messages.Add(message);
    }

    public Dictionary<string, string[]> ToProblemErrors() => Errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public override string ToString() => string.Join("; ", Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
}

using System.Threading.RateLimiting;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.RuntimeConfig;
using Gateway.ServiceDefaults.ClientAddresses;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Chooses the partition of each request: per user or credential (limit from the caller's plan
/// unless the policy fixes one), or per client address. Resolved once per request; its
/// dependencies are held here, not looked up per call, and choosing allocates nothing once the
/// partition's limiter exists.
/// </summary>
internal sealed class RateLimitPartitioner(IOptionsMonitor<RateLimitingOptions> options, ClientAddressResolver clients, PartitionLimiters limiters, RuntimeConfigState config)
{
    /// <summary>Requests no limiter of the policy counts (see <see cref="Partition"/>).</summary>
    private static readonly RateLimitPartition<string> NotLimited = RateLimitPartition.GetNoLimiter(string.Empty);

    private static readonly Func<string, RateLimiter> PolicyLimiterFactory = _ => PolicyLimiter.Instance;

    /// <summary>
    /// The partition ASP.NET's middleware sees: one per policy (its <see cref="PolicyLimiter"/>),
    /// with the request's own limiter handed to it (see <see cref="PartitionLimiters"/> for why).
    /// </summary>
    public RateLimitPartition<string> Partition(HttpContext context, string policyName)
    {
        if (LimiterOf(context, policyName) is not { } limiter)
        {
            return NotLimited;
        }

        LimitedRequest.Set(context, limiter);
        return RateLimitPartition.Get(policyName, PolicyLimiterFactory);
    }

    /// <summary>The limiter that counts <paramref name="context"/> under the policy, or null when none does.</summary>
    private RateLimiter? LimiterOf(HttpContext context, string policyName)
    {
        // A credential that could not be checked (auth service unavailable, lookup refused because
        // slots were busy) on a route that needs one: the challenge answers it (503 or 429 with
        // Retry-After). Limiting it as anonymous traffic of its address would spend a bucket that
        // belongs to nobody it is, and turn "try again shortly" into a 429 for everyone there.
        if (GatewayAuthentication.IsUndecided(context) && RequiresAuthentication(context))
        {
            return null;
        }

        // The policy and the plans of the version being served (the previous one's for a request
        // still routed by it: its policy may be gone from the new one).
        var served = config.Current;
        if (served?.RateLimitPolicies.TryGetValue(policyName, out var policy) != true
            && config.Previous?.RateLimitPolicies.TryGetValue(policyName, out policy) != true)
        {
            return null;
        }

        var mode = policy!.Mode ?? options.CurrentValue.Mode;

        PartitionKey key;
        if (context.User is GatewayPrincipal caller && policy.Partition != PartitionBy.ClientIp)
        {
            // A plan's limit as the version says, so a change reaches callers already cached; the
            // auth service's answer for a plan the version does not list.
            var (planLimit, planWindow) = served!.Plans.TryGetValue(caller.Plan, out var plan)
                ? (plan.RequestsPerWindow, plan.WindowSeconds)
                : (caller.RequestsPerWindow, caller.WindowSeconds);
            var limit = policy.Limit ?? planLimit;
            var window = policy.Limit is null ? planWindow : policy.WindowSeconds;
            key = policy.Partition == PartitionBy.ApiKey
                ? new PartitionKey(policyName, caller.CredentialTag, limit, window, mode, policy.FailMode)
                : new PartitionKey(policyName, caller.UserId, limit, window, mode, policy.FailMode);
        }
        else
        {
            var address = clients.Key(context);
            var limit = policy.Partition == PartitionBy.ClientIp ? policy.Limit ?? policy.AnonymousLimit : policy.AnonymousLimit;
            key = new PartitionKey(policyName, "ip:" + address, limit, policy.WindowSeconds, mode, policy.FailMode);
        }

        return limiters.Get(key);
    }

    /// <summary>The endpoint authorizes its callers (a YARP route with a policy other than <c>anonymous</c>).</summary>
    private static bool RequiresAuthentication(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata
        && metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null
        && metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() is not null;
}

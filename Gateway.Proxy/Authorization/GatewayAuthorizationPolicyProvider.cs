using Gateway.Proxy.RuntimeConfig;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authorization;

/// <summary>
/// Named authorization policies from the configuration version being served (routes name them
/// through <c>AuthorizationPolicy</c>), then those registered in code (<c>authenticated</c>).
/// </summary>
/// <remarks>
/// Policies may be cached per endpoint (<see cref="AllowsCachingPolicies"/>): ASP.NET clears that
/// cache whenever the endpoints change, and every version rebuilds every YARP endpoint
/// (<see cref="RuntimeConfigSnapshot.VersionMetadata"/>), so a request never authorizes against
/// a policy of an older version once the new one is routed; the hot path looks up nothing.
/// The previous version's policies answer for the moment between a version being swapped in and
/// YARP routing with it.
/// </remarks>
internal sealed class GatewayAuthorizationPolicyProvider(IOptions<AuthorizationOptions> options, RuntimeConfigState config)
    : DefaultAuthorizationPolicyProvider(options)
{
    public override bool AllowsCachingPolicies => true;

    public override Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        if (config.Current?.AuthorizationPolicies.TryGetValue(policyName, out var policy) == true
            || config.Previous?.AuthorizationPolicies.TryGetValue(policyName, out policy) == true)
        {
            return Task.FromResult<AuthorizationPolicy?>(policy);
        }

        return base.GetPolicyAsync(policyName);
    }
}

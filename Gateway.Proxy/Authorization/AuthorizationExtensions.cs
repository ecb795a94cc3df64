using Gateway.Proxy.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Proxy.Authorization;

internal static class AuthorizationExtensions
{
    public const string SectionName = "Gateway:Authorization:Policies";

    /// <summary>Any authenticated caller. YARP's own "anonymous" and "default" also exist.</summary>
    public const string Authenticated = "authenticated";

    /// <summary>
    /// Registers <see cref="Authenticated"/> plus every configured policy. Routes name policies
    /// through <c>RouteConfig.AuthorizationPolicy</c>; YARP checks at start-up that each name exists,
    /// so a typo stops the proxy with a clear message instead of serving an open route.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayAuthorization(this IHostApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetSection(SectionName).Get<Dictionary<string, RoutePolicyOptions>>() ?? [];
        // No scheme named on the policies: the gateway scheme is the default one, so the
        // authentication middleware has already set HttpContext.User. Naming it would make the
        // policy evaluator authenticate again and merge a new principal on every request.
        var authenticated = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();

        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(authenticated)
            .AddPolicy(Authenticated, authenticated);
        builder.Services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, GatewayPolicyEvaluator>());

        builder.Services.Configure<AuthorizationOptions>(options =>
        {
            foreach (var (name, policy) in configured)
            {
                if (policy.Roles.Length == 0 && policy.Plans.Length == 0)
                {
                    throw new InvalidOperationException(
                        $"Authorization policy '{name}' ({SectionName}:{name}) lists no Roles and no Plans; use '{Authenticated}' for any caller.");
                }

                options.AddPolicy(name, p =>
                {
                    p.RequireAuthenticatedUser();
                    if (policy.Roles.Length > 0)
                    {
                        p.RequireRole(policy.Roles);
                    }

                    if (policy.Plans.Length > 0)
                    {
                        p.RequireClaim(GatewayAuthentication.Claims.Plan, policy.Plans);
                    }
                });
            }
        });

        return builder;
    }
}

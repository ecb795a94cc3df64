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
    /// Registers <see cref="Authenticated"/> and the provider of every configured policy. Routes name
    /// policies through <c>RouteConfig.AuthorizationPolicy</c>; each version is checked for names
    /// that do not exist (a typo is refused with a clear message instead of serving an open route).
    /// </summary>
    public static IHostApplicationBuilder AddGatewayAuthorization(this IHostApplicationBuilder builder)
    {
        // No scheme named on the policies: the gateway scheme is the default one, so the
        // authentication middleware has already set HttpContext.User. Naming it would make the
        // policy evaluator authenticate again and merge a new principal on every request.
        var authenticated = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();

        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(authenticated)
            .AddPolicy(Authenticated, authenticated);
        builder.Services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, GatewayPolicyEvaluator>());

        // The configured policies (Gateway:Authorization:Policies, then the stored versions) come
        // from the version being served, checked by ConfigDocumentValidator.
        builder.Services.AddSingleton<IAuthorizationPolicyProvider, GatewayAuthorizationPolicyProvider>();

        return builder;
    }
}

using Gateway.Proxy.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Proxy.Authorization;

/// <summary>
/// ASP.NET's <see cref="PolicyEvaluator"/> with an allocation-free answer for the common case: a
/// caller authenticated by the gateway, on a policy made only of the requirements the gateway's
/// route policies use (authenticated user, roles, claims), every one of them met. That answer is
/// the one the default evaluator would give; anything else (anonymous callers, other schemes or
/// requirements, any requirement not met, custom <see cref="IAuthorizationHandler"/>s registered)
/// goes to the default evaluator, so challenges, forbids and their failure reasons are the
/// framework's own.
/// </summary>
/// <remarks>
/// The default evaluator is transient and builds an authorization context, a set of pending
/// requirements and four tasks per request (about 700 bytes): more than the rest of authorizing a
/// cached caller. A singleton here also spares the per-request construction of it and of the
/// authorization service; the cases it hands over get exactly those, from the request's services.
/// </remarks>
internal sealed class GatewayPolicyEvaluator(IServiceScopeFactory scopes) : IPolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> Succeeded = Task.FromResult(PolicyAuthorizationResult.Success());

    // The built-in requirements are their own handlers (run by PassThroughAuthorizationHandler);
    // another handler could fail a requirement this evaluator would see as met. Looked up once, in
    // a scope of its own: handlers may be scoped.
    private readonly Lazy<bool> _onlyBuiltInHandlers = new(() =>
    {
        using var scope = scopes.CreateScope();
        return scope.ServiceProvider.GetServices<IAuthorizationHandler>().All(handler => handler is PassThroughAuthorizationHandler);
    });

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        // The default, for a policy naming no scheme, answers with the result the authentication
        // middleware recorded; for a cache hit that is the principal's own completed result.
        if (policy.AuthenticationSchemes.Count == 0 && context.User is GatewayPrincipal caller
            && ReferenceEquals(context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult, caller.Result))
        {
            return caller.Authenticated;
        }

        return Default(context).AuthenticateAsync(policy, context);
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
    {
        if (authenticationResult.Succeeded && context.User is GatewayPrincipal caller && AllMet(policy.Requirements, caller) && _onlyBuiltInHandlers.Value)
        {
            return Succeeded;
        }

        return Default(context).AuthorizeAsync(policy, authenticationResult, context, resource);
    }

    /// <summary>What ASP.NET itself would use: its evaluator over the request's authorization service.</summary>
    private static PolicyEvaluator Default(HttpContext context) => new(context.RequestServices.GetRequiredService<IAuthorizationService>());

    /// <summary>Whether every requirement is one of the built-in kinds and is met, by their own rules.</summary>
    internal static bool AllMet(IReadOnlyList<IAuthorizationRequirement> requirements, GatewayPrincipal caller)
    {
        if (requirements.Count == 0)
        {
            return false;
        }

        for (var i = 0; i < requirements.Count; i++)
        {
            var met = requirements[i] switch
            {
                DenyAnonymousAuthorizationRequirement => caller.Identities.Any(identity => identity.IsAuthenticated),
                RolesAuthorizationRequirement roles => roles.AllowedRoles.Any(caller.IsInRole),
                ClaimsAuthorizationRequirement claim => HasClaim(caller, claim),
                _ => false,
            };

            if (!met)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><see cref="ClaimsAuthorizationRequirement"/>'s rule: the claim type in any case, the value exactly.</summary>
    private static bool HasClaim(GatewayPrincipal caller, ClaimsAuthorizationRequirement requirement)
    {
        var anyValue = requirement.AllowedValues is null || !requirement.AllowedValues.Any();
        foreach (var claim in caller.Claims)
        {
            if (string.Equals(claim.Type, requirement.ClaimType, StringComparison.OrdinalIgnoreCase)
                && (anyValue || requirement.AllowedValues!.Contains(claim.Value, StringComparer.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}

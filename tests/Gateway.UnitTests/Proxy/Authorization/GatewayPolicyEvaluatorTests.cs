using Gateway.Proxy.Authentication;
using Gateway.Proxy.Authorization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.UnitTests.Proxy.Authorization;

/// <summary>
/// The gateway's policy evaluator must answer exactly as ASP.NET's default one: checked over every
/// combination of the gateway's callers and route policies, plus the cases it must hand over.
/// </summary>
public sealed class GatewayPolicyEvaluatorTests
{
    private static readonly GatewayPrincipal FreeUser = new("u1", "ada", "free", ["user"], 100, 60, "access_token", "t1");
    private static readonly GatewayPrincipal ProAdmin = new("u2", "bob", "pro", ["user", "admin"], 100, 60, "api_key", "t2");
    private static readonly GatewayPrincipal NoRoles = new("u3", "eve", "enterprise", [], 100, 60, "access_token", "t3");

    private static readonly Dictionary<string, AuthorizationPolicy> Policies = new()
    {
        ["authenticated"] = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build(),
        ["admin"] = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole("admin").Build(),
        ["pro-plan"] = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(GatewayAuthentication.Claims.Plan, "pro").Build(),
        ["pro-or-enterprise"] = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(GatewayAuthentication.Claims.Plan, "pro", "enterprise").Build(),
        ["any-plan, claim type in another case"] = new AuthorizationPolicyBuilder().RequireClaim("PLAN").Build(),
        ["plan value in another case"] = new AuthorizationPolicyBuilder().RequireClaim(GatewayAuthentication.Claims.Plan, "PRO").Build(),
        ["user or admin role and pro"] = new AuthorizationPolicyBuilder().RequireRole("user", "admin").RequireClaim(GatewayAuthentication.Claims.Plan, "pro").Build(),
        ["named user (assertion, not a built-in rule)"] = new AuthorizationPolicyBuilder().RequireAssertion(c => c.User.Identity?.Name == "ada").Build(),
    };

    [Fact]
    public async Task EveryCallerAndPolicy_SameAnswerAsTheDefaultEvaluator()
    {
        using var services = Services();
        var gateway = services.GetRequiredService<IPolicyEvaluator>();
        Assert.IsType<GatewayPolicyEvaluator>(gateway);
        var reference = new PolicyEvaluator(services.GetRequiredService<IAuthorizationService>());

        var outcomes = new HashSet<string>();
        foreach (var caller in new[] { FreeUser, ProAdmin, NoRoles, null })
        {
            foreach (var (name, policy) in Policies)
            {
                var context = Request(caller, services);
                var authenticated = await reference.AuthenticateAsync(policy, context);
                var expected = await reference.AuthorizeAsync(policy, authenticated, context, resource: null);

                var authenticatedHere = await gateway.AuthenticateAsync(policy, context);
                var actual = await gateway.AuthorizeAsync(policy, authenticatedHere, context, resource: null);

                var because = $"{caller?.UserName ?? "anonymous"} on '{name}'";
                Assert.True(expected.Succeeded == actual.Succeeded, because);
                Assert.True(expected.Challenged == actual.Challenged, because);
                Assert.True(expected.Forbidden == actual.Forbidden, because);
                Assert.Equal(authenticated.Succeeded, authenticatedHere.Succeeded);
                Assert.Same(authenticated.Principal, authenticatedHere.Principal);
                outcomes.Add(expected.Succeeded ? "succeeded" : expected.Forbidden ? "forbidden" : "challenged");
            }
        }

        // Every answer occurs, so the comparison is not vacuous.
        Assert.Equal(["challenged", "forbidden", "succeeded"], outcomes.Order());
    }

    [Fact]
    public void CachedCaller_AuthenticatesWithTheRecordedResult_WithoutANewOne()
    {
        using var services = Services();
        var gateway = services.GetRequiredService<IPolicyEvaluator>();
        var context = Request(FreeUser, services);

        Assert.Same(FreeUser.Authenticated, gateway.AuthenticateAsync(Policies["authenticated"], context));
        Assert.Same(
            gateway.AuthorizeAsync(Policies["authenticated"], FreeUser.Result, context, null),
            gateway.AuthorizeAsync(Policies["authenticated"], FreeUser.Result, Request(FreeUser, services), null));
    }

    [Theory]
    [InlineData(ServiceLifetime.Singleton)]
    [InlineData(ServiceLifetime.Scoped)]
    [InlineData(ServiceLifetime.Transient)]
    public async Task AnotherAuthorizationHandler_TurnsTheShortcutOff_WhateverItsLifetime(ServiceLifetime lifetime)
    {
        using var services = Services(s => s.Add(new ServiceDescriptor(typeof(IAuthorizationHandler), typeof(DenyEverything), lifetime)));
        var gateway = services.GetRequiredService<IPolicyEvaluator>();
        await using var scope = services.CreateAsyncScope();
        var context = Request(ProAdmin, scope.ServiceProvider);

        var result = await gateway.AuthorizeAsync(Policies["authenticated"], ProAdmin.Result, context, null);

        Assert.False(result.Succeeded);
        Assert.True(result.Forbidden);
    }

    [Fact]
    public void AllMet_FalseForUnknownRequirementsAndEmptyPolicies()
    {
        Assert.False(GatewayPolicyEvaluator.AllMet(Policies["named user (assertion, not a built-in rule)"].Requirements, FreeUser));
        Assert.False(GatewayPolicyEvaluator.AllMet([], FreeUser));
        Assert.True(GatewayPolicyEvaluator.AllMet(Policies["authenticated"].Requirements, FreeUser));
    }

    /// <summary>A request as the gateway's authentication leaves it: user and recorded result, or anonymous.</summary>
    private static DefaultHttpContext Request(GatewayPrincipal? caller, IServiceProvider requestServices)
    {
        var context = new DefaultHttpContext { RequestServices = requestServices };
        if (caller is not null)
        {
            var features = new RecordedResult { AuthenticateResult = caller.Result };
            context.Features.Set<IHttpAuthenticationFeature>(features);
            context.Features.Set<IAuthenticateResultFeature>(features);
        }

        return context;
    }

    private static ServiceProvider Services(Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAuthorization();
        services.AddSingleton<IPolicyEvaluator, GatewayPolicyEvaluator>();
        configure?.Invoke(services);
        // As in Development: a scoped service resolved from the root provider would throw.
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private sealed class RecordedResult : IHttpAuthenticationFeature, IAuthenticateResultFeature
    {
        private AuthenticateResult? _result;

        public System.Security.Claims.ClaimsPrincipal? User { get; set; }

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set
            {
                _result = value;
                User = value?.Principal;
            }
        }
    }

    private sealed class DenyEverything : IAuthorizationHandler
    {
        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            context.Fail();
            return Task.CompletedTask;
        }
    }
}

using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Proxy.Authentication;

internal static class AuthenticationExtensions
{
    /// <summary>The auth-service-backed authentication scheme, its cache and the invalidation listener.</summary>
    public static IHostApplicationBuilder AddGatewayAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthCacheOptions>()
            .BindConfiguration(AuthCacheOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.SequenceSilenceLimit > o.SequenceCheckInterval, $"{AuthCacheOptions.SectionName}:SequenceSilenceLimit must be longer than SequenceCheckInterval.")
            .ValidateOnStart();

        builder.Services.AddOptions<LookupAdmissionOptions>()
            .BindConfiguration(LookupAdmissionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IAuthValidator, GrpcAuthValidator>();
        builder.Services.AddSingleton<LookupAdmission>();
        builder.Services.AddSingleton<AuthCache>();
        builder.Services.AddSingleton<CredentialLookups>();
        builder.Services.AddSingleton<CachedAuthentication>();
        builder.Services.AddHostedService<InvalidationSubscriber>();
        builder.Services.AddHostedService<AuthServiceWarmup>();

        builder.Services.AddAuthentication(GatewayAuthentication.Scheme)
            .AddScheme<GatewayAuthenticationOptions, GatewayAuthenticationHandler>(GatewayAuthentication.Scheme, _ => { });

        return builder;
    }

    /// <summary>
    /// ASP.NET Core's authentication middleware, run only for requests that carry a credential
    /// header the auth cache does not already hold as valid (and whose client is not known to be
    /// over its failed-credential budget: those get their 429 at once). Without a credential there is nothing
    /// to authenticate (the handler would answer "no result" after being created and initialised
    /// for the request): the user stays anonymous, and a protected route still challenges through
    /// the handler. A valid cached credential is authenticated by <see cref="CachedAuthentication"/>
    /// with the handler's own result. Measured: bench/README.md, "History".
    /// </summary>
    public static IApplicationBuilder UseGatewayAuthentication(this IApplicationBuilder app)
    {
        // The handler's result goes through claims transformation in the authentication service; a
        // cache hit may only skip that service while the transformation is the default no-op.
        var cached = app.ApplicationServices.GetService<IClaimsTransformation>() is null or NoopClaimsTransformation
            ? app.ApplicationServices.GetRequiredService<CachedAuthentication>()
            : null;
        // A client known to be over its failed-credential budget is refused first (FailedCredentialGate).
        app.UseWhen(
            context => HasCredentialHeader(context.Request.Headers) && cached?.TryAuthenticate(context) != true,
            static branch => branch.UseMiddleware<RateLimiting.FailedCredentialGate>().UseAuthentication());

        // WebApplication inserts UseAuthentication at the very start of the pipeline unless the
        // root builder records that it is already there, and UseAuthentication inside a UseWhen
        // branch records it on the branch only: without this mark every request would be
        // authenticated first, before the body limit (RequestLimitsTests proves the order).
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        return app;
    }

    /// <summary>The <see cref="IApplicationBuilder.Properties"/> key <c>UseAuthentication</c> sets (not a public constant).</summary>
    internal const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    private static bool HasCredentialHeader(IHeaderDictionary headers) =>
        headers.Authorization.Count > 0 || headers.ContainsKey(GatewayAuthentication.ApiKeyHeader);
}

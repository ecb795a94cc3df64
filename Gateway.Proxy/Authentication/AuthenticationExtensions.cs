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
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IAuthValidator, GrpcAuthValidator>();
        builder.Services.AddSingleton<AuthCache>();
        builder.Services.AddHostedService<InvalidationSubscriber>();
        builder.Services.AddHostedService<AuthServiceWarmup>();

        builder.Services.AddAuthentication(GatewayAuthentication.Scheme)
            .AddScheme<GatewayAuthenticationOptions, GatewayAuthenticationHandler>(GatewayAuthentication.Scheme, _ => { });

        return builder;
    }
}

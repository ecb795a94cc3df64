using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Routing;

internal static class RoutingExtensions
{
    /// <summary>
    /// <see cref="RoutingOptions"/> and the route overlap check around every registered YARP
    /// configuration provider (call after <c>LoadFromConfig</c>).
    /// </summary>
    public static IHostApplicationBuilder AddGatewayRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoutingOptions>()
            .BindConfiguration(RoutingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var providers = builder.Services.Where(d => d.ServiceType == typeof(IProxyConfigProvider)).ToList();
        if (providers.Count == 0)
        {
            throw new InvalidOperationException("No YARP configuration provider is registered: add the overlap check after LoadFromConfig.");
        }

        foreach (var descriptor in providers)
        {
            builder.Services.Remove(descriptor);
            builder.Services.AddSingleton<IProxyConfigProvider>(services => new OverlapCheckedConfigProvider(
                Create(services, descriptor),
                services.GetRequiredService<IOptionsMonitor<RoutingOptions>>(),
                services.GetRequiredService<ILogger<OverlapCheckedConfigProvider>>()));
        }

        return builder;
    }

    /// <summary>Rejects (or redirects) request paths with escaped slashes, per <see cref="RoutingOptions.EscapedSlashes"/>.</summary>
    public static IApplicationBuilder UseEscapedSlashCheck(this IApplicationBuilder app) => app.UseMiddleware<EscapedSlashMiddleware>();

    private static IProxyConfigProvider Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        (IProxyConfigProvider)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));
}

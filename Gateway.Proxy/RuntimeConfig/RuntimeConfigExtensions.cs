using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

internal static class RuntimeConfigExtensions
{
    /// <summary>
    /// Makes the stored versions YARP's configuration (call after <c>LoadFromConfig</c>): YARP's
    /// configuration-file provider becomes the source of version 0 and of the bootstrap version,
    /// and <see cref="RuntimeProxyConfigProvider"/> is the only provider YARP sees.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayRuntimeConfig(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RuntimeConfigOptions>()
            .BindConfiguration(RuntimeConfigOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var files = builder.Services.Where(d => d.ServiceType == typeof(IProxyConfigProvider)).ToList();
        if (files.Count != 1)
        {
            throw new InvalidOperationException("Exactly one YARP configuration provider (LoadFromConfig) must be registered before the runtime configuration.");
        }

        var file = files[0];
        builder.Services.Remove(file);
        builder.Services.AddSingleton(services => new FileConfigSource(
            Create(services, file), services.GetRequiredService<IConfiguration>(), services.GetRequiredService<IOptions<RateLimiting.RateLimitingOptions>>()));

        builder.Services.AddSingleton<RuntimeConfigState>();
        builder.Services.AddSingleton<ConfigDocumentValidator>();
        builder.Services.AddSingleton<RuntimeConfigSync>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RuntimeConfigSync>());
        builder.Services.AddSingleton<IProxyConfigProvider, RuntimeProxyConfigProvider>();
        builder.Services.AddSingleton<IConfigChangeListener, RuntimeConfigChangeListener>();
        builder.Services.AddSingleton<RouteRateLimiting>();
        builder.Services.AddHealthChecks().AddCheck<RuntimeConfigSync>("config");
        return builder;
    }

    private static IProxyConfigProvider Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        (IProxyConfigProvider)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));
}

using Gateway.ServiceDefaults.ClientAddresses;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class ClientAddressExtensions
{
    /// <summary>
    /// The <see cref="ClientAddressResolver"/> bound to <c>Gateway:Forwarding</c> (trusted proxies,
    /// IPv4/IPv6 grouping prefixes), validated at start-up: a service that meets clients keys every
    /// per-client limit on it.
    /// </summary>
    public static TBuilder AddClientAddresses<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ClientAddressOptions>()
            .BindConfiguration(ClientAddressOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClientAddressOptions>, ClientAddressOptionsValidator>();
        builder.Services.AddSingleton<ClientAddressResolver>();
        return builder;
    }
}

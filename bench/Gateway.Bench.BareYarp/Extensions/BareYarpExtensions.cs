using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Bench.BareYarp.Extensions;

internal static class BareYarpExtensions
{
    /// <summary>
    /// YARP from configuration with the tuning measured for the gateway proxy on these machines:
    /// anything the gateway does on top of this shows up as the difference between the two rows.
    /// </summary>
    public static IHostApplicationBuilder AddBareYarp(this IHostApplicationBuilder builder)
    {
        // No logging providers: each one costs time on the hot path even when its filters drop
        // the message.
        builder.Logging.ClearProviders();

        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Cleartext listener: HTTP/2 could only be prior-knowledge h2c, which wrk and the
            // gateway's clients do not speak; HTTP/1.1 only skips the protocol detection.
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1);
        });

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            // A gateway sets (and sanitises) forwarded headers itself where it needs them, so YARP's
            // default X-Forwarded-* set is not part of the baseline.
            .AddTransforms(context => context.UseDefaultForwarders = false);

        return builder;
    }
}

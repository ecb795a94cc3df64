using Gateway.Proxy.Authentication;
using Gateway.Proxy.Authorization;
using Gateway.Proxy.AuthService;
using Gateway.Proxy.Forwarding;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Extensions;

internal static class ApplicationServiceExtensions
{
    /// <summary>Redis, YARP with service-discovered destinations, Kestrel and error handling.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis", configureOptions: redis => redis.AbortOnConnectFail = false);
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.AddAuthServiceClients();
        builder.AddGatewayAuthentication();
        builder.AddGatewayAuthorization();
        builder.Services.AddOptions<ForwardingOptions>().BindConfiguration(ForwardingOptions.SectionName);

        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
        {
            // Nothing to gain from advertising the server software.
            kestrel.AddServerHeader = false;
        });

        builder.Services.AddProblemDetails();

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms<IdentityTransformProvider>();

        return builder;
    }

    /// <summary>
    /// Every error the gateway produces itself (including YARP's bare 502/504) becomes an
    /// RFC 9457 problem details body.
    /// </summary>
    public static WebApplication UseGatewayErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A malformed request (bad JSON, body too large, ...) is the client's error: keep its
            // 4xx status instead of reporting a 500 from the gateway.
            StatusCodeSelector = exception => exception is BadHttpRequestException badRequest
                ? badRequest.StatusCode
                : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>Telemetry outermost, then authentication and authorization (YARP routes name their policy).</summary>
    public static WebApplication UseGatewayPipeline(this WebApplication app)
    {
        app.UseMiddleware<RequestTelemetryMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}

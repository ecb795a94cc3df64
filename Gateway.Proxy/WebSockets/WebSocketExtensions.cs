using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Proxy.WebSockets;

internal static class WebSocketExtensions
{
    /// <summary>WebSocket sessions: clean closes on revocation and shutdown, and their metrics.</summary>
    public static IHostApplicationBuilder AddGatewayWebSockets(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebSocketSessionOptions>()
            .BindConfiguration(WebSocketSessionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WebSocketSessions>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebSocketSessions>());
        return builder;
    }

    /// <summary>First in YARP's pipeline: WebSocket handshakes become sessions (see <see cref="WebSocketSessionMiddleware"/>).</summary>
    public static IReverseProxyApplicationBuilder UseWebSocketSessions(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<WebSocketSessionMiddleware>();
        return proxy;
    }
}

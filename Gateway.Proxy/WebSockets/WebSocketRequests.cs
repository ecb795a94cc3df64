using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.WebSockets;

/// <summary>Which requests are WebSocket handshakes, by the rules YARP itself forwards them by.</summary>
internal static class WebSocketRequests
{
    private const string WebSocket = "websocket";

    /// <summary>An <c>Upgrade</c> header naming WebSocket alone (case-insensitive), as YARP compares it.</summary>
    public static bool IsWebSocket(StringValues upgrade) =>
        upgrade.Count == 1 && string.Equals(upgrade[0], WebSocket, StringComparison.OrdinalIgnoreCase);

    /// <summary>An HTTP/1.1 upgrade to WebSocket: its upgrade feature, else null.</summary>
    public static IHttpUpgradeFeature? Upgrade(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method)
        && IsWebSocket(context.Request.Headers.Upgrade)
        && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade
            ? upgrade
            : null;

    /// <summary>An HTTP/2 (or HTTP/3) extended CONNECT for WebSocket: its feature, else null.</summary>
    public static IHttpExtendedConnectFeature? ExtendedConnect(HttpContext context) =>
        HttpMethods.IsConnect(context.Request.Method)
        && context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true } connect
        && string.Equals(connect.Protocol, WebSocket, StringComparison.OrdinalIgnoreCase)
            ? connect
            : null;
}

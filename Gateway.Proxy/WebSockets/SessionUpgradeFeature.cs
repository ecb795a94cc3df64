using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.WebSockets;

/// <summary>
/// The HTTP/1.1 upgrade of a WebSocket handshake, as YARP calls it once the backend answered 101:
/// the client's upgraded stream comes back wrapped (<see cref="WebSocketSessionStream"/>).
/// </summary>
internal sealed class SessionUpgradeFeature(IHttpUpgradeFeature inner, HttpContext context, WebSocketSession session, WebSocketSessions sessions)
    : IHttpUpgradeFeature
{
    public IHttpUpgradeFeature Inner => inner;

    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var opaque = await inner.UpgradeAsync();
        // The 101 carries the backend's Upgrade header (YARP copied it): a backend could have
        // switched to something else, whose bytes are not WebSocket frames.
        return WebSocketRequests.IsWebSocket(context.Response.Headers.Upgrade) ? sessions.Accept(session, opaque) : opaque;
    }
}

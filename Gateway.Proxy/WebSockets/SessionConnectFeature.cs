using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.WebSockets;

/// <summary>
/// The HTTP/2 extended CONNECT of a WebSocket (RFC 8441), as YARP accepts it once the backend
/// agreed: the client's stream comes back wrapped (<see cref="WebSocketSessionStream"/>), as for an
/// HTTP/1.1 upgrade. The frames inside are the same either way.
/// </summary>
internal sealed class SessionConnectFeature(IHttpExtendedConnectFeature inner, WebSocketSession session, WebSocketSessions sessions)
    : IHttpExtendedConnectFeature
{
    public IHttpExtendedConnectFeature Inner => inner;

    public bool IsExtendedConnect => inner.IsExtendedConnect;

    public string? Protocol => inner.Protocol;

    public async ValueTask<Stream> AcceptAsync() => sessions.Accept(session, await inner.AcceptAsync());
}

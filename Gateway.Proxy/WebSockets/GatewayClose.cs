using System.Net.WebSockets;

namespace Gateway.Proxy.WebSockets;

/// <summary>A close the gateway starts itself: why, and the close frame the client gets for it.</summary>
internal sealed class GatewayClose
{
    public static readonly GatewayClose CredentialRevoked = new(WebSocketCloseCause.CredentialRevoked, WebSocketCloseStatus.PolicyViolation, "credential revoked");

    public static readonly GatewayClose AccessRevoked = new(WebSocketCloseCause.AccessRevoked, WebSocketCloseStatus.PolicyViolation, "access revoked");

    /// <summary>1001 "going away", as RFC 6455 names it for a server going down.</summary>
    public static readonly GatewayClose Shutdown = new(WebSocketCloseCause.Shutdown, WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");

    public static readonly GatewayClose IdleTimeout = new(WebSocketCloseCause.IdleTimeout, WebSocketCloseStatus.EndpointUnavailable, "idle timeout");

    private GatewayClose(WebSocketCloseCause cause, WebSocketCloseStatus status, string reason)
    {
        Cause = cause;
        Status = status;
        Reason = reason;
        ClientFrame = WebSocketCloseFrame.Build(status, reason, masked: false);
    }

    public WebSocketCloseCause Cause { get; }

    public WebSocketCloseStatus Status { get; }

    public string Reason { get; }

    /// <summary>The unmasked frame for the client, built once (only ever read).</summary>
    public ReadOnlyMemory<byte> ClientFrame { get; }

    /// <summary>A masked frame for the backend, with a fresh masking key each time.</summary>
    public byte[] BackendFrame() => WebSocketCloseFrame.Build(Status, Reason, masked: true);
}

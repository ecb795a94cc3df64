namespace Gateway.Proxy.WebSockets;

/// <summary>Why a WebSocket session through the gateway ended (the <c>reason</c> of its metric).</summary>
internal enum WebSocketCloseCause
{
    /// <summary>The client sent the first close frame.</summary>
    ClientClosed,

    /// <summary>The backend sent the first close frame.</summary>
    BackendClosed,

    /// <summary>The client's connection ended without a close frame.</summary>
    ClientDisconnected,

    /// <summary>The backend's connection ended without a close frame.</summary>
    BackendDisconnected,

    /// <summary>Nothing crossed either way for the cluster's activity timeout: the gateway closed it (1001).</summary>
    IdleTimeout,

    /// <summary>The credential it was opened with was revoked or is no longer valid: the gateway closed it (1008).</summary>
    CredentialRevoked,

    /// <summary>The credential is valid but no longer meets the route's policy (role or plan changed): the gateway closed it (1008).</summary>
    AccessRevoked,

    /// <summary>The gateway was shutting down (1001).</summary>
    Shutdown,
}

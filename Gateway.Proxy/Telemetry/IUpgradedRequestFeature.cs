namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Set on a request that became a long-lived two-way stream (a WebSocket): the request's own
/// duration ends when its handshake was answered, not when the socket closed (see
/// <see cref="RequestTelemetryMiddleware"/>).
/// </summary>
internal interface IUpgradedRequestFeature
{
    /// <summary>When the upgrade was accepted (a <see cref="TimeProvider.GetTimestamp"/> value), or 0 if it was not.</summary>
    long AcceptedTimestamp { get; }
}

using Gateway.Proxy.WebSockets;

namespace Gateway.Proxy.Telemetry;

/// <summary>WebSocket sessions since start: opened, and closed by <see cref="WebSocketCloseCause"/> (indexed by it).</summary>
internal sealed record WebSocketTotals(long Opened, IReadOnlyList<long> Closed)
{
    /// <summary>Opened and not yet closed (see <see cref="ProxyMetrics.ReadWebSocketCounters"/> for why it is never negative).</summary>
    public long Open => Opened - Closed.Sum();

    public long this[WebSocketCloseCause cause] => Closed[(int)cause];
}

using System.Diagnostics.Metrics;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Feeds the dashboard's per-route table from the same instrument OpenTelemetry exports
/// (<c>gateway.proxy.request.duration</c>, tagged with route and status code): one recording per
/// request serves both, and the numbers on the two dashboards cannot drift apart.
/// </summary>
internal sealed class RequestStatsListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly RouteStatsTable _table;

    public RequestStatsListener(ProxyMetrics metrics, RouteStatsTable table)
    {
        _table = table;
        var duration = metrics.RequestDuration;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this host's instrument: another host in the same process (tests) has its own.
            if (ReferenceEquals(instrument, duration))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.Start();
    }

    private void OnMeasurement(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? route = null;
        var status = 0;
        foreach (var tag in tags)
        {
            if (tag.Key == ProxyMetrics.RouteTag)
            {
                route = tag.Value as string;
            }
            else if (tag.Key == ProxyMetrics.StatusCodeTag && tag.Value is int code)
            {
                status = code;
            }
        }

        _table.Record(route ?? GatewayEndpointRoute.NoRoute, status, seconds);
    }

    public void Dispose() => _listener.Dispose();
}

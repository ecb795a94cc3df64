using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Bench.Micro;

/// <summary>
/// <see cref="ProxyMetrics.RequestCompleted"/>, once per proxied request: with nobody listening
/// (no exporter), with a <see cref="MeterListener"/> subscribed to the proxy's meter that
/// receives every measurement and does nothing with it (the floor of what an exporter adds), and
/// with the dashboard's <see cref="RequestStatsListener"/> recording into the per-route table
/// (what every proxy replica runs).
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private ServiceProvider? _services;
    private ProxyMetrics? _metrics;
    private MeterListener? _listener;
    private RequestStatsListener? _dashboard;

    public enum Listener
    {
        None,
        Discarding,
        Dashboard,
    }

    [Params(Listener.None, Listener.Discarding, Listener.Dashboard)]
    public Listener Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_metrics, _services) = Shared.CreateMetrics();
        if (Listening == Listener.Dashboard)
        {
            _dashboard = new RequestStatsListener(_metrics, new RouteStatsTable());
        }

        if (Listening == Listener.Discarding)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == ProxyMetrics.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            _listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            _listener.Start();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _dashboard?.Dispose();
        _services?.Dispose();
    }

    [Benchmark(Description = "ProxyMetrics.RequestCompleted")]
    public void RequestCompleted() => _metrics!.RequestCompleted("api", 200, 0.00042);
}

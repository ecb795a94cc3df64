using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Bench.Micro;

/// <summary>
/// <see cref="ProxyMetrics.RequestCompleted"/>, once per proxied request: with nobody listening
/// (no exporter) and with a <see cref="MeterListener"/> subscribed to the proxy's meter that
/// receives every measurement and does nothing with it (the floor of what an exporter adds).
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private ServiceProvider? _services;
    private ProxyMetrics? _metrics;
    private MeterListener? _listener;

    [Params(false, true)]
    public bool Listening { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_metrics, _services) = Shared.CreateMetrics();
        if (Listening)
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
        _services?.Dispose();
    }

    [Benchmark(Description = "ProxyMetrics.RequestCompleted")]
    public void RequestCompleted() => _metrics!.RequestCompleted("api", 200, 0.00042);
}

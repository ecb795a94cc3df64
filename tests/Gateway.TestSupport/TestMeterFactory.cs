using System.Diagnostics.Metrics;

namespace Gateway.TestSupport;

/// <summary>Meters for unit tests that construct a component by hand (nothing listens).</summary>
public sealed class TestMeterFactory : IMeterFactory
{
    public Meter Create(MeterOptions options) => new(options);

    public void Dispose()
    {
    }
}

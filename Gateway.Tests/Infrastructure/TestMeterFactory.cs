using System.Diagnostics.Metrics;

namespace Gateway.Tests.Infrastructure;

/// <summary>Meters for unit tests that construct a component by hand (nothing listens).</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    public Meter Create(MeterOptions options) => new(options);

    public void Dispose()
    {
    }
}

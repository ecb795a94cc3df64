using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Bench.Micro;

internal static class Shared
{
    /// <summary>A <see cref="ProxyMetrics"/> on a real meter factory, as the proxy's DI builds it.</summary>
    public static (ProxyMetrics Metrics, ServiceProvider Services) CreateMetrics()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        return (new ProxyMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), services);
    }

    public static GatewayPrincipal Principal() =>
        new("0b5a6f1e-5a7e-4c1e-9d0e-3f2a1b4c5d6e", "bench-user", "free", [], 2_000_000_000, 60, "access_token", "3f2a1b4c5d6e7f80");
}

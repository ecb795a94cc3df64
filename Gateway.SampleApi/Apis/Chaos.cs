using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.SampleApi.Apis;

/// <summary>The sample API's fail-on-demand switch (see <c>PUT /api/chaos</c>).</summary>
internal static class Chaos
{
    private static volatile bool s_healthy = true;

    public static bool Healthy
    {
        get => s_healthy;
        set => s_healthy = value;
    }
}

/// <summary>Readiness follows the chaos switch.</summary>
internal sealed class ChaosHealthCheck : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Chaos.Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Chaos mode is on."));
}

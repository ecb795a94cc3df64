using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.SampleApi.Apis;

/// <summary>Readiness follows the chaos switch.</summary>
internal sealed class ChaosHealthCheck(Chaos chaos) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(chaos.Healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Chaos mode is on."));
}

using Gateway.Contracts.Metrics;

namespace Gateway.Proxy.Telemetry;

/// <summary>This replica's rate-limit counts since it started, over every policy (see <see cref="ProxyMetrics.ReadRateLimitCounters"/>).</summary>
internal sealed record RateLimitTotals(long[] Outcomes, long RedisCalls, BreakerState BreakerState)
{
    public long this[RateLimitOutcome outcome] => Outcomes[(int)outcome];
}

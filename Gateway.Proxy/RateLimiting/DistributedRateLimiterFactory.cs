using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.RateLimiting;

/// <summary>Creates the limiter of a partition.</summary>
internal sealed class DistributedRateLimiterFactory(RedisRateLimitStore store, TimeProvider time, ProxyMetrics metrics, RateLimitSync sync)
{
    public DistributedRateLimiter Create(PartitionKey key, RateLimitingOptions settings)
    {
        var cap = key.Mode == RateLimitMode.Batched
            ? Math.Clamp(key.Limit / (settings.Replicas * settings.BatchDivisor), 1, settings.MaxBatchSize)
            : 1;
        var spec = new RateLimitSpec(key.Policy, key.Id, key.Limit, key.WindowSeconds, key.Mode, cap, settings.MaxBatchSize, key.FailMode, settings.Replicas)
        {
            SliceTarget = settings.SliceTarget,
            Refundable = key.Policy == settings.FailedCredentialPolicy,
        };
        return new DistributedRateLimiter(spec, store, time, metrics, sync);
    }
}

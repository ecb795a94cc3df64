using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Gateway.Proxy.RateLimiting;

internal static class RedisRateLimitStoreExtensions
{
    public static IServiceCollection AddRedisRateLimitStore(this IServiceCollection services)
    {
        services.AddSingleton<RedisRateLimitStore>();
        services.AddSingleton<RateLimitSync>();
        services.AddHostedService(sp => sp.GetRequiredService<RateLimitSync>());
        services.AddResiliencePipeline<string, RedisValue[]?>(RedisRateLimitStore.PipelineName, (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
            var metrics = context.ServiceProvider.GetRequiredService<ProxyMetrics>();
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Proxy.RateLimiting.Breaker");
            pipeline
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<RedisValue[]?>
                {
                    FailureRatio = 0.5,
                    MinimumThroughput = 3,
                    SamplingDuration = TimeSpan.FromSeconds(2),
                    BreakDuration = options.BreakDuration,
                    ShouldHandle = args => ValueTask.FromResult(RedisRateLimitStore.IsFailure(args.Outcome)),
                }.WithTelemetry("Redis rate limiting", metrics.SetRateLimitBreakerState, logger))
                .AddTimeout(options.RedisTimeout);
        });
        return services;
    }
}

using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using StackExchange.Redis;

namespace Gateway.Proxy.RateLimiting;

/// <summary>Redis's answer to one decision or reservation.</summary>
internal readonly record struct RedisDecision(int Granted, int Remaining, TimeSpan RetryAfter, TimeSpan Reset);

/// <summary>
/// Runs the sliding-window script (<c>Scripts/sliding_window.lua</c>, embedded, EVALSHA after the
/// first call) behind a timeout and a circuit breaker: when Redis is down the breaker opens and
/// callers get <c>null</c> at once, without waiting for a connection that will not come.
/// </summary>
internal sealed class RedisRateLimitStore
{
    public const string PipelineName = "redis-rate-limit";

    private static readonly string Script = LoadScript();

    private readonly IConnectionMultiplexer _redis;
    private readonly ResiliencePipeline<RedisValue[]?> _pipeline;
    private readonly ProxyMetrics _metrics;

    public RedisRateLimitStore(IConnectionMultiplexer redis, ResiliencePipelineProvider<string> pipelines, ProxyMetrics metrics)
    {
        _redis = redis;
        _pipeline = pipelines.GetPipeline<RedisValue[]?>(PipelineName);
        _metrics = metrics;
    }

    /// <summary>Asks for up to <paramref name="requested"/> permits; null when Redis could not answer.</summary>
    public async ValueTask<RedisDecision?> TryAcquireAsync(RedisKey key, int limit, int windowSeconds, int requested)
    {
        try
        {
            _metrics.RateLimitRedisCall();
            var result = await _pipeline.ExecuteAsync(
                static async (state, cancellationToken) => (RedisValue[]?)await state.Database.ScriptEvaluateAsync(
                    Script,
                    [state.Key],
                    [state.Limit, state.WindowMicroseconds, state.Requested]).WaitAsync(cancellationToken),
                new ScriptState(_redis.GetDatabase(), key, limit, windowSeconds * 1_000_000L, requested),
                CancellationToken.None);
            return Parse(result);
        }
        catch (Exception ex) when (ex is BrokenCircuitException or RedisException or TimeoutRejectedException or TimeoutException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Gives <paramref name="permits"/> granted earlier back to the window they were granted in
    /// (the script's negative request); best effort: when Redis cannot be reached the permit stays
    /// spent, which only ever under-admits.
    /// </summary>
    public async Task RefundAsync(RedisKey key, int limit, int windowSeconds, int permits)
    {
        try
        {
            _metrics.RateLimitRedisCall();
            await _pipeline.ExecuteAsync(
                static async (state, cancellationToken) => (RedisValue[]?)await state.Database.ScriptEvaluateAsync(
                    Script,
                    [state.Key],
                    [state.Limit, state.WindowMicroseconds, state.Requested]).WaitAsync(cancellationToken),
                new ScriptState(_redis.GetDatabase(), key, limit, windowSeconds * 1_000_000L, -permits),
                CancellationToken.None);
        }
        catch (Exception ex) when (ex is BrokenCircuitException or RedisException or TimeoutRejectedException or TimeoutException or ObjectDisposedException)
        {
        }
    }

    internal static RedisDecision? Parse(RedisValue[]? result) => result is { Length: 4 }
        ? new RedisDecision(
            (int)result[0],
            (int)result[1],
            TimeSpan.FromMicroseconds((long)result[2]),
            TimeSpan.FromMicroseconds((long)result[3]))
        : null;

    /// <summary>The failures that count against Redis.</summary>
    public static bool IsFailure(Outcome<RedisValue[]?> outcome) =>
        outcome.Exception is RedisException or TimeoutRejectedException or TimeoutException;

    internal static string LoadScript()
    {
        using var stream = typeof(RedisRateLimitStore).Assembly.GetManifestResourceStream("Gateway.Proxy.RateLimiting.Scripts.sliding_window.lua")
            ?? throw new InvalidOperationException("The rate-limit script is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private readonly record struct ScriptState(IDatabase Database, RedisKey Key, int Limit, long WindowMicroseconds, int Requested);
}

internal static class RedisRateLimitStoreExtensions
{
    public static IServiceCollection AddRedisRateLimitStore(this IServiceCollection services)
    {
        services.AddSingleton<RedisRateLimitStore>();
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

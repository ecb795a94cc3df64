using Polly.CircuitBreaker;

namespace Gateway.Proxy.Telemetry;

/// <summary>Makes a circuit breaker's state changes visible: a gauge and a log line per transition.</summary>
internal static class BreakerTelemetry
{
    public static CircuitBreakerStrategyOptions WithTelemetry(
        this CircuitBreakerStrategyOptions options, string dependency, Action<CircuitState> setGauge, ILogger logger)
    {
        Configure(options, dependency, setGauge, logger);
        return options;
    }

    public static CircuitBreakerStrategyOptions<T> WithTelemetry<T>(
        this CircuitBreakerStrategyOptions<T> options, string dependency, Action<CircuitState> setGauge, ILogger logger)
    {
        Configure(options, dependency, setGauge, logger);
        return options;
    }

    private static void Configure<T>(CircuitBreakerStrategyOptions<T> options, string dependency, Action<CircuitState> setGauge, ILogger logger)
    {
        options.OnOpened = args =>
        {
            setGauge(CircuitState.Open);
            logger.LogWarning("{Dependency} circuit breaker opened for {BreakDuration}", dependency, args.BreakDuration);
            return ValueTask.CompletedTask;
        };
        options.OnHalfOpened = _ =>
        {
            setGauge(CircuitState.HalfOpen);
            logger.LogInformation("{Dependency} circuit breaker half-open: probing", dependency);
            return ValueTask.CompletedTask;
        };
        options.OnClosed = _ =>
        {
            setGauge(CircuitState.Closed);
            logger.LogInformation("{Dependency} circuit breaker closed", dependency);
            return ValueTask.CompletedTask;
        };
    }
}

using Polly.CircuitBreaker;

namespace Gateway.Proxy.Telemetry;

/// <summary>A circuit breaker's state as this replica reports it: a gauge value, and a word for operators.</summary>
internal static class BreakerStates
{
    /// <summary>0 closed, 1 open (or isolated), 2 half-open: the value of the <c>*_breaker.state</c> gauges.</summary>
    public static int ToGauge(CircuitState state) => state switch
    {
        CircuitState.Open or CircuitState.Isolated => 1,
        CircuitState.HalfOpen => 2,
        _ => 0,
    };

    public static Gateway.Contracts.Metrics.BreakerState FromGauge(int gauge) => gauge switch
    {
        1 => Gateway.Contracts.Metrics.BreakerState.Open,
        2 => Gateway.Contracts.Metrics.BreakerState.HalfOpen,
        _ => Gateway.Contracts.Metrics.BreakerState.Closed,
    };
}

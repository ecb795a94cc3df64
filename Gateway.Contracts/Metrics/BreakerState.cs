using System.Text.Json.Serialization;

namespace Gateway.Contracts.Metrics;

/// <summary>A circuit breaker's state, written as <c>closed</c>, <c>open</c> or <c>half-open</c> on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BreakerState>))]
public enum BreakerState
{
    [JsonStringEnumMemberName("closed")]
    Closed,

    [JsonStringEnumMemberName("open")]
    Open,

    [JsonStringEnumMemberName("half-open")]
    HalfOpen,
}

using System.Text.Json.Serialization;

namespace Gateway.Contracts.Metrics;

/// <summary>A backend destination's health as a replica's checks see it, written as <c>healthy</c>, <c>unhealthy</c> or <c>unknown</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HealthState>))]
public enum HealthState
{
    [JsonStringEnumMemberName("unknown")]
    Unknown,

    [JsonStringEnumMemberName("healthy")]
    Healthy,

    [JsonStringEnumMemberName("unhealthy")]
    Unhealthy,
}

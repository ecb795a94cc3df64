using System.Text.Json.Serialization;

namespace Gateway.Dashboard.Aggregation;

/// <summary>A service's health on the dashboard, written as the word the page shows.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServiceStatus>))]
public enum ServiceStatus
{
    /// <summary>Not probed yet, or nothing reports it.</summary>
    [JsonStringEnumMemberName("unknown")]
    Unknown,

    [JsonStringEnumMemberName("healthy")]
    Healthy,

    /// <summary>Some of its instances are down (proxy replicas).</summary>
    [JsonStringEnumMemberName("degraded")]
    Degraded,

    [JsonStringEnumMemberName("unhealthy")]
    Unhealthy,
}

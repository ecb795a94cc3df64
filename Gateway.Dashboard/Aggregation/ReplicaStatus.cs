using System.Text.Json.Serialization;

namespace Gateway.Dashboard.Aggregation;

/// <summary>Whether a proxy replica is reporting, written as the word the page shows.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReplicaStatus>))]
public enum ReplicaStatus
{
    [JsonStringEnumMemberName("live")]
    Live,

    /// <summary>Stopped, or silent for a few snapshot intervals.</summary>
    [JsonStringEnumMemberName("gone")]
    Gone,
}

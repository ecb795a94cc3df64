using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.Telemetry;

internal sealed class TelemetryOptions
{
    public const string SectionName = "Gateway:Telemetry";

    /// <summary>
    /// Per-request recording: the request metrics (OpenTelemetry and the dashboard's snapshots) and
    /// the request log. Off only to measure what recording costs (bench/run.sh does).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often this replica publishes its snapshot to the dashboard through Redis.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The name the dashboard shows for this replica. Default: the Aspire resource id
    /// (<c>OTEL_SERVICE_NAME</c>-<c>service.instance.id</c>), else host:pid.
    /// </summary>
    public string? ReplicaName { get; set; }
}

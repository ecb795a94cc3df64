using System.ComponentModel.DataAnnotations;

namespace Gateway.Dashboard.Aggregation;

public sealed class HealthMonitorOptions
{
    public const string SectionName = "Dashboard:Health";

    [Range(typeof(TimeSpan), "00:00:00.500", "00:05:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The auth service's HTTP (health) endpoint; resolved by service discovery.</summary>
    [Required]
    public Uri AuthAddress { get; set; } = new("http://auth");
}

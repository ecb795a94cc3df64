using System.ComponentModel.DataAnnotations;

namespace Gateway.Dashboard.Aggregation;

/// <summary>How the dashboard reads the runtime configuration's history from the auth service (<see cref="ConfigHistoryMonitor"/>).</summary>
internal sealed class ConfigHistoryOptions : IValidatableObject
{
    public const string SectionName = "Dashboard:ConfigHistory";

    /// <summary>Versions listed, newest first: the page shows recent changes, not an archive.</summary>
    [Range(1, 50)]
    public int Limit { get; set; } = 10;

    /// <summary>The history is read again this often even when no replica reports a newer version.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The soonest a read follows the previous one when a replica reports a version the history
    /// lacks: bounds the calls while the auth service keeps failing.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MinRefreshGap { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CallDeadline { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinRefreshGap > RefreshInterval)
        {
            yield return new ValidationResult(
                $"{nameof(MinRefreshGap)} ({MinRefreshGap}) must not be longer than {nameof(RefreshInterval)} ({RefreshInterval}).",
                [nameof(MinRefreshGap), nameof(RefreshInterval)]);
        }
    }
}

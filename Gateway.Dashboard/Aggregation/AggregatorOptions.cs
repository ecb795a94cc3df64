using System.ComponentModel.DataAnnotations;

namespace Gateway.Dashboard.Aggregation;

public sealed class AggregatorOptions
{
    public const string SectionName = "Dashboard:Aggregation";

    /// <summary>How often a frame is computed and sent to every viewer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan FrameInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Rates are averaged over this many seconds (smooths snapshot arrival jitter).</summary>
    [Range(1, 60)]
    public int RateWindowSeconds { get; set; } = 5;

    /// <summary>Latency percentiles cover this many seconds.</summary>
    [Range(1, 60)]
    public int LatencyWindowSeconds { get; set; } = 10;

    /// <summary>A replica is gone after this many of its snapshot intervals without one.</summary>
    [Range(2, 100)]
    public int MissedSnapshotsBeforeGone { get; set; } = 3;

    /// <summary>Gone replicas stay listed this long, then are forgotten.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ForgetGoneAfter { get; set; } = TimeSpan.FromMinutes(10);
}

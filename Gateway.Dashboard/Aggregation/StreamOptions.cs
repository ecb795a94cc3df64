namespace Gateway.Dashboard.Aggregation;

public sealed class StreamOptions
{
    public const string SectionName = "Dashboard:Stream";

    /// <summary>The <c>retry:</c> hint sent to browsers: how soon to reconnect after losing the stream.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Frames buffered per viewer before the oldest are dropped.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 64)]
    public int ViewerBuffer { get; set; } = 4;
}

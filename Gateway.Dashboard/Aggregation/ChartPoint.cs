namespace Gateway.Dashboard.Aggregation;

/// <summary>One point of the charts' history, so a newly opened page starts with a full chart.</summary>
public sealed record ChartPoint(DateTimeOffset Time, double RequestsPerSecond, IReadOnlyDictionary<string, double> Rates, double? P50, double? P95, double? P99)
{
    public static ChartPoint From(DashboardFrame frame) => new(
        frame.Time, frame.Traffic.RequestsPerSecond, frame.Traffic.Rates, frame.Latency.P50, frame.Latency.P95, frame.Latency.P99);
}

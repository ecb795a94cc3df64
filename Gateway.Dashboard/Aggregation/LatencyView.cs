namespace Gateway.Dashboard.Aggregation;

/// <summary>Latency percentiles in milliseconds over the last few seconds; null without traffic.</summary>
public sealed record LatencyView(double? P50, double? P95, double? P99);

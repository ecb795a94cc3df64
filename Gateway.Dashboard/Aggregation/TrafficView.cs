namespace Gateway.Dashboard.Aggregation;

/// <summary>Counts by outcome: per second now, and in total.</summary>
public sealed record TrafficView
{
    public required double RequestsPerSecond { get; init; }

    public required long Requests { get; init; }

    /// <summary>Per-second rates keyed by outcome (<c>2xx</c>, <c>4xx</c>, <c>401</c>, <c>429</c>...).</summary>
    public required IReadOnlyDictionary<string, double> Rates { get; init; }

    /// <summary>Totals keyed like <see cref="Rates"/>.</summary>
    public required IReadOnlyDictionary<string, long> Totals { get; init; }
}

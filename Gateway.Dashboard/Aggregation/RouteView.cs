namespace Gateway.Dashboard.Aggregation;

public sealed record RouteView
{
    public required string Route { get; init; }

    public required double RequestsPerSecond { get; init; }

    public required long Requests { get; init; }

    public required long ClientErrors { get; init; }

    public required long ServerErrors { get; init; }

    public required long Unauthorized { get; init; }

    public required long RateLimited { get; init; }

    public required double? P50 { get; init; }

    public required double? P99 { get; init; }
}

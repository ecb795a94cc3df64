namespace Gateway.Chaos;

/// <summary>One finished request. Status 0: the client deadline passed; -1: connection or protocol error.</summary>
internal readonly record struct Sample(double StartMs, float LatencyMs, RouteKind Route, short Status, bool RetryAfter, string? UserName)
{
    public const short DeadlineExceeded = 0;
    public const short ConnectionError = -1;

    public double EndMs => StartMs + LatencyMs;

    public bool Ok => Route == RouteKind.Register ? Status == 201 : Status == 200;
}

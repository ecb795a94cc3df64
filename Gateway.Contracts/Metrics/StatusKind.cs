namespace Gateway.Contracts.Metrics;

/// <summary>The outcome classes counted per route (the index into <see cref="RouteCounters.Status"/>).</summary>
public enum StatusKind
{
    Success2xx,
    Redirect3xx,
    ClientError4xx,
    ServerError5xx,
    Unauthorized401,
    Forbidden403,
    TooManyRequests429,
    Unavailable503,
}

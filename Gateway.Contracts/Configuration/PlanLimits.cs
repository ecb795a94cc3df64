namespace Gateway.Contracts.Configuration;

/// <summary>A plan's rate limit: at most <see cref="RequestsPerWindow"/> requests per <see cref="WindowSeconds"/>.</summary>
public sealed record PlanLimits(int RequestsPerWindow, int WindowSeconds)
{
    public const int MinRequestsPerWindow = 1;
    public const int MaxRequestsPerWindow = int.MaxValue;
    public const int MinWindowSeconds = 1;

    /// <summary>A day: longer windows would keep a client's count for longer than anyone reasons about.</summary>
    public const int MaxWindowSeconds = 86_400;

    /// <summary>The window when a plan does not give one.</summary>
    public const int DefaultWindowSeconds = 60;
}

using System.ComponentModel.DataAnnotations;

namespace Gateway.Auth;

internal sealed class PlanLimitOptions
{
    [Range(1, int.MaxValue)]
    public int RequestsPerWindow { get; set; }

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;
}

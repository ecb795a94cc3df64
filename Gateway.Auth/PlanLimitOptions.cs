using System.ComponentModel.DataAnnotations;
using Gateway.Contracts.Configuration;

namespace Gateway.Auth;

/// <summary>One plan of <c>Auth:Plans</c>; the same ranges as a configuration document's plans (<see cref="PlanLimits"/>).</summary>
internal sealed class PlanLimitOptions
{
    [Range(PlanLimits.MinRequestsPerWindow, PlanLimits.MaxRequestsPerWindow)]
    public int RequestsPerWindow { get; set; }

    [Range(PlanLimits.MinWindowSeconds, PlanLimits.MaxWindowSeconds)]
    public int WindowSeconds { get; set; } = PlanLimits.DefaultWindowSeconds;
}

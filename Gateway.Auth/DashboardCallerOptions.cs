using System.ComponentModel.DataAnnotations;

namespace Gateway.Auth;

/// <summary>Settings of the <c>Auth:Dashboard</c> section: how the operator dashboard proves itself.</summary>
internal sealed class DashboardCallerOptions
{
    public const string SectionName = "Auth:Dashboard";

    /// <summary>
    /// The key the dashboard sends with <c>DashboardService</c> calls (the AppHost's secret parameter
    /// <c>dashboard-service-key</c>). Unset: <c>DashboardService</c> refuses every call.
    /// </summary>
    [MinLength(32)]
    [MaxLength(256)]
    public string? ServiceKey { get; set; }
}

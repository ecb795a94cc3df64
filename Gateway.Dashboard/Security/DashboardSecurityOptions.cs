using System.ComponentModel.DataAnnotations;

namespace Gateway.Dashboard.Security;

public sealed class DashboardSecurityOptions
{
    public const string SectionName = "Dashboard:Security";

    /// <summary>
    /// Lets an operator in without a user account (the AppHost's secret parameter
    /// <c>dashboard-operator-key</c>). Empty: only users with <see cref="AdminRole"/> can sign in.
    /// </summary>
    public string? OperatorKey { get; set; }

    /// <summary>The auth-service role a user needs to see the dashboard.</summary>
    [Required]
    public string AdminRole { get; set; } = "admin";

    /// <summary>How long a sign-in lasts (sliding).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The auth service's gRPC address (<c>_grpc.auth</c>: the <c>grpc</c> endpoint of resource <c>auth</c>).</summary>
    [Required]
    public Uri AuthServiceAddress { get; set; } = new("http://_grpc.auth");

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan AuthCallDeadline { get; set; } = TimeSpan.FromSeconds(10);
}

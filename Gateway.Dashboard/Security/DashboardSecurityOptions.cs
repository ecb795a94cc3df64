using System.ComponentModel.DataAnnotations;

namespace Gateway.Dashboard.Security;

public sealed class DashboardSecurityOptions : IValidatableObject
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

    /// <summary>
    /// A session without a request (or an open live stream) for this long ends: the server-side
    /// session's time to live in Redis, renewed on every authenticated request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after sign-in, however active it is.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How often a signed-in admin's standing (still has <see cref="AdminRole"/>, not disabled) is
    /// checked with the auth service: on requests and on an open live stream alike, so a demoted
    /// admin loses the dashboard within this interval (plus one call's deadline).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RoleRecheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// While the auth service cannot answer a re-check, an admin session is kept until this long has
    /// passed since its re-check was due (then it ends): an auth outage does not sign every admin out
    /// at once, and a demotion during the outage counts at most this much longer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RecheckGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The dashboard's credential for the auth service's <c>DashboardService</c> (the AppHost's secret
    /// parameter <c>dashboard-service-key</c>). Unset: admin re-checks cannot succeed, so admin
    /// sessions end after <see cref="RoleRecheckInterval"/> + <see cref="RecheckGrace"/>.
    /// </summary>
    [MaxLength(256)]
    public string? AuthServiceKey { get; set; }

    /// <summary>The auth service's gRPC address (<c>_grpc.auth</c>: the <c>grpc</c> endpoint of resource <c>auth</c>).</summary>
    [Required]
    public Uri AuthServiceAddress { get; set; } = new("http://_grpc.auth");

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan AuthCallDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AbsoluteLifetime < IdleTimeout)
        {
            yield return new ValidationResult(
                $"{nameof(AbsoluteLifetime)} ({AbsoluteLifetime}) must not be shorter than {nameof(IdleTimeout)} ({IdleTimeout}).",
                [nameof(AbsoluteLifetime), nameof(IdleTimeout)]);
        }
    }
}

using System.ComponentModel.DataAnnotations;
using Gateway.Contracts.Configuration;
using Microsoft.Extensions.Options;

namespace Gateway.Auth;

/// <summary>Settings of the <c>Auth</c> configuration section.</summary>
internal sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>How long a bearer access token from <c>Login</c> stays valid.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>PBKDF2-HMAC-SHA256 iterations for new password hashes (OWASP 2023: at least 600,000).</summary>
    [Range(600_000, 10_000_000)]
    public int PasswordHashIterations { get; set; } = 600_000;

    /// <summary>The plan new users get.</summary>
    [Required]
    [RegularExpression(PlanNames.Pattern)]
    public string DefaultPlan { get; set; } = "free";

    /// <summary>
    /// Plan limits applied at start-up: created or updated while no configuration version exists;
    /// once one does, only created when missing (versions own the limits; see
    /// <see cref="Data.DatabaseInitializer"/>). Plans seeded by migrations keep their limits unless
    /// named here.
    /// </summary>
    public Dictionary<string, PlanLimitOptions> Plans { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Active (unrevoked) API keys one user may hold: a stolen access token, or a buggy script,
    /// cannot fill the key table. Revoking a key frees its place.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxActiveApiKeysPerUser { get; set; } = 25;

    // ValidateDataAnnotations stops at the top level: without these the nested [Range]s were never checked.
    [Required]
    [ValidateObjectMembers]
    public LoginThrottleOptions LoginThrottle { get; set; } = new();

    /// <summary>Demo users for run mode; none are created unless <see cref="DemoOptions.Password"/> is set.</summary>
    [ValidateObjectMembers]
    public DemoOptions Demo { get; set; } = new();
}

using System.ComponentModel.DataAnnotations;

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
    [RegularExpression("^[a-z0-9_-]{1,32}$")]
    public string DefaultPlan { get; set; } = "free";

    /// <summary>
    /// Plan limits applied at start-up (created or updated). Plans seeded by migrations keep their
    /// limits unless named here.
    /// </summary>
    public Dictionary<string, PlanLimitOptions> Plans { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Active (unrevoked) API keys one user may hold: a stolen access token, or a buggy script,
    /// cannot fill the key table. Revoking a key frees its place.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxActiveApiKeysPerUser { get; set; } = 25;

    [Required]
    public LoginThrottleOptions LoginThrottle { get; set; } = new();

    /// <summary>Demo users for run mode; none are created unless <see cref="DemoOptions.Password"/> is set.</summary>
    public DemoOptions Demo { get; set; } = new();
}

internal sealed class PlanLimitOptions
{
    [Range(1, int.MaxValue)]
    public int RequestsPerWindow { get; set; }

    [Range(1, 86_400)]
    public int WindowSeconds { get; set; } = 60;
}

/// <summary>Settings of <c>Auth:LoginThrottle</c> (see <c>Security/LoginThrottle</c>).</summary>
internal sealed class LoginThrottleOptions
{
    /// <summary>Attempts on one account from one client before each further one must wait.</summary>
    [Range(1, 1_000)]
    public int MaxFailuresPerAccountAndClient { get; set; } = 5;

    /// <summary>Attempts from one client, over all accounts, before each further one must wait.</summary>
    [Range(1, 100_000)]
    public int MaxFailuresPerClient { get; set; } = 20;

    /// <summary>
    /// Attempts on one account from clients that never signed in to it before each further one
    /// from such a client must wait: guessing from many addresses is slowed, the owner is not.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxFailuresPerAccount { get; set; } = 50;

    /// <summary>The wait once a limit is reached; it doubles with each further attempt, up to <see cref="Window"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait, and how long a count is remembered after its last attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Clients remembered per account as having signed in (most recent first).</summary>
    [Range(0, 1_000)]
    public int KnownClientsPerAccount { get; set; } = 16;

    /// <summary>How long a client stays known to an account after its last successful sign-in.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan KnownClientLifetime { get; set; } = TimeSpan.FromDays(30);
}

internal sealed class DemoOptions
{
    /// <summary>Password of the demo users <c>demo</c> (free) and <c>admin</c> (pro, admin role).</summary>
    public string? Password { get; set; }
}

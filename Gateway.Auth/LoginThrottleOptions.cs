using System.ComponentModel.DataAnnotations;

namespace Gateway.Auth;

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

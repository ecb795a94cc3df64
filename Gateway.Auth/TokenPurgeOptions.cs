using System.ComponentModel.DataAnnotations;

namespace Gateway.Auth;

/// <summary>Settings of the <c>Auth:TokenPurge</c> section (see <c>Data/TokenPurgeService</c>).</summary>
internal sealed class TokenPurgeOptions
{
    public const string SectionName = "Auth:TokenPurge";

    /// <summary>Time between purges; the first runs once the schema is ready.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long an expired access token's row is kept after its expiry: a trace of recent sign-ins
    /// for whoever investigates one (user and time), and a margin far above any clock difference
    /// between the replica that wrote the expiry and the one that purges, so no token still valid
    /// anywhere is deleted. Revoked tokens go with their expiry too (at most the token lifetime later).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan ExpiredTokenRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a revoked API key's row is kept: its owner still sees it (by prefix, as revoked) in
    /// the key list meanwhile. Active keys are never purged.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan RevokedApiKeyRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Rows per DELETE statement: each batch is its own short transaction, so no lock is held long.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1_000;
}

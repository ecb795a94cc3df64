using System.ComponentModel.DataAnnotations;

namespace Gateway.Auth.Invalidation;

/// <summary>Settings of the <c>Auth:Invalidations</c> section: how cache invalidations reach Redis.</summary>
internal sealed class InvalidationOptions
{
    public const string SectionName = "Auth:Invalidations";

    /// <summary>
    /// How long a revocation call waits for its invalidation to be published before it answers
    /// anyway (the publish goes on in the background until Redis takes it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan PublishWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest pause between two attempts while Redis refuses or cannot be reached.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Invalidations held while Redis is unreachable. Past this many, the ones that follow are
    /// folded into one "forget everything" message (every proxy then re-checks what it cached),
    /// so memory stays bounded and nothing is lost.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxPending { get; set; } = 100_000;
}

using System.ComponentModel.DataAnnotations;

namespace Gateway.Auth.Configuration;

/// <summary>Settings of the <c>Auth:ConfigChanges</c> section: how change notices reach Redis.</summary>
internal sealed class ConfigChangeOptions
{
    public const string SectionName = "Auth:ConfigChanges";

    /// <summary>
    /// How long a notice is retried while Redis refuses or cannot be reached. Past it the notice
    /// is dropped (logged): proxies poll the active version, so it only brings a change sooner.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest pause between two attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

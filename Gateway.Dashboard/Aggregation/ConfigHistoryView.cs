using System.Text.Json.Serialization;

namespace Gateway.Dashboard.Aggregation;

/// <summary>
/// The newest stored configuration versions as the dashboard last read them from the auth service.
/// A failed read keeps the versions of the last good one and says so (<see cref="Stale"/>), so an
/// auth outage never empties the page's history.
/// </summary>
public sealed record ConfigHistoryView
{
    /// <summary>Before the first read.</summary>
    public static ConfigHistoryView NotLoaded { get; } = new() { Versions = [], UpdatedAt = null, Stale = false, Error = null };

    /// <summary>Newest first.</summary>
    public required IReadOnlyList<ConfigVersionView> Versions { get; init; }

    /// <summary>When <see cref="Versions"/> were read; null when no read has succeeded yet.</summary>
    public required DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>The last read failed: <see cref="Versions"/> are those read at <see cref="UpdatedAt"/>, if any.</summary>
    public required bool Stale { get; init; }

    /// <summary>Why the last read failed; null when it succeeded.</summary>
    public required string? Error { get; init; }

    /// <summary>The newest version the history holds; 0 when it holds none.</summary>
    [JsonIgnore]
    public long NewestVersion => Versions.Count == 0 ? 0 : Versions[0].Version;

    public static ConfigHistoryView Loaded(IReadOnlyList<ConfigVersionView> versions, DateTimeOffset at) =>
        new() { Versions = versions, UpdatedAt = at, Stale = false, Error = null };

    /// <summary>This history, kept after a failed read.</summary>
    public ConfigHistoryView Failed(string error) => this with { Stale = true, Error = error };
}

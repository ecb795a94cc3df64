namespace Gateway.Dashboard.Aggregation;

/// <summary>One stored runtime configuration version, as the history lists it (without its document).</summary>
/// <param name="Version">1, 2, 3, ...</param>
/// <param name="Author">The admin who stored it, or <c>bootstrap</c> for version 1 from a proxy's configuration file.</param>
/// <param name="CreatedAt">When the auth service stored it; null if its answer had no time.</param>
/// <param name="Summary">What changed, in the author's words.</param>
/// <param name="RestoredFrom">For a rollback, the version whose document it restored; 0 otherwise.</param>
public sealed record ConfigVersionView(long Version, string Author, DateTimeOffset? CreatedAt, string Summary, long RestoredFrom);

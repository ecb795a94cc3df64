using System.Text.Json;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>What one version changes against another, entity by entity (<c>+routes.orders</c>, <c>~clusters.sampleapi</c>, <c>-plans.trial</c>).</summary>
internal static class ConfigDiff
{
    public static IReadOnlyList<string> Between(GatewayConfigDocument before, GatewayConfigDocument after)
    {
        var changes = new List<string>();
        Compare("routes", before.Routes, after.Routes, changes);
        Compare("clusters", before.Clusters, after.Clusters, changes);
        Compare("authorizationPolicies", before.AuthorizationPolicies, after.AuthorizationPolicies, changes);
        Compare("rateLimitPolicies", before.RateLimitPolicies, after.RateLimitPolicies, changes);
        Compare("plans", before.Plans, after.Plans, changes);
        return changes;
    }

    /// <summary>The changes as one line for the history (at most the stored summary's length).</summary>
    public static string Summary(IReadOnlyList<string> changes)
    {
        var text = changes.Count == 0 ? "No change." : string.Join(", ", changes);
        return text.Length <= Gateway.Contracts.Configuration.ConfigChanges.MaxSummaryLength
            ? text
            : text[..(Gateway.Contracts.Configuration.ConfigChanges.MaxSummaryLength - 1)] + "…";
    }

    private static void Compare<T>(string section, Dictionary<string, T> before, Dictionary<string, T> after, List<string> changes)
    {
        foreach (var (name, value) in after)
        {
            if (!before.TryGetValue(name, out var old))
            {
                changes.Add($"+{section}.{name}");
            }
            else if (JsonSerializer.Serialize(old, ConfigDocumentJson.Options) != JsonSerializer.Serialize(value, ConfigDocumentJson.Options))
            {
                changes.Add($"~{section}.{name}");
            }
        }

        foreach (var name in before.Keys.Where(name => !after.ContainsKey(name)))
        {
            changes.Add($"-{section}.{name}");
        }
    }
}

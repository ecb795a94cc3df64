namespace Gateway.Bench.Measure;

/// <summary>The <c>key=value</c> words the bench scripts pass to the report commands (wrk's and the load tool's summary lines among them).</summary>
public static class KeyValueArgs
{
    /// <summary>Each word split at its first '='; a word without one is a key with an empty value; the last of a repeated key wins.</summary>
    public static Dictionary<string, string> Parse(IEnumerable<string> words)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            var at = word.IndexOf('=', StringComparison.Ordinal);
            values[at < 0 ? word : word[..at]] = at < 0 ? string.Empty : word[(at + 1)..];
        }

        return values;
    }
}

namespace Gateway.EndToEndTests.Hostile;

/// <summary>A request head as the sink received it: the request line and each header line, in order.</summary>
public sealed class SinkHead(string head)
{
    public string RequestLine { get; } = head.Split("\r\n")[0];

    public IReadOnlyList<(string Name, string Value)> Headers { get; } =
        [.. head.Split("\r\n").Skip(1).Select(line => line.Split(':', 2)).Where(p => p.Length == 2).Select(p => (p[0].Trim(), p[1].Trim()))];

    /// <summary>Values of every header spelled like <paramref name="name"/> (any case, '_' for '-').</summary>
    public IReadOnlyList<string> Values(string name) =>
        [.. Headers.Where(h => Fold(h.Name) == Fold(name)).Select(h => h.Value)];

    private static string Fold(string name) => name.Replace('_', '-').ToLowerInvariant();
}

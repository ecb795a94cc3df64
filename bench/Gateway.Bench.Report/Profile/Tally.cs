namespace Gateway.Bench.Report.Profile;

/// <summary>Sample periods by name, in first-seen order; the most common first, ties in that order.</summary>
internal sealed class Tally
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public IEnumerable<KeyValuePair<string, long>> Items => _order.Select(name => new KeyValuePair<string, long>(name, _counts[name]));

    public long this[string name] => _counts.GetValueOrDefault(name);

    public long Sum => _counts.Values.Sum();

    public void Add(string name, long period)
    {
        if (_counts.TryGetValue(name, out var count))
        {
            _counts[name] = count + period;
        }
        else
        {
            _counts[name] = period;
            _order.Add(name);
        }
    }

    /// <summary>Sorted by count, highest first; a stable sort, so ties keep first-seen order.</summary>
    public List<KeyValuePair<string, long>> MostCommon(int? count = null)
    {
        var sorted = Items.OrderByDescending(item => item.Value).ToList();
        return count is { } n ? sorted.Take(n).ToList() : sorted;
    }
}

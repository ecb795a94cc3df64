using System.Globalization;
using System.Text;
using Gateway.Bench.Measure;

namespace Gateway.Chaos;

internal static class Stats
{
    /// <summary>The nearest-rank percentile <paramref name="p"/> (0..100) of sorted values (the shared bench implementation).</summary>
    public static double Percentile(IReadOnlyList<float> sorted, double p) =>
        Percentiles.NearestRank<float>(sorted.ToArray(), p / 100);

    /// <summary>"200×1234, 503×12, conn×3, deadline×1", most frequent first.</summary>
    public static string StatusCounts(IEnumerable<Sample> samples)
    {
        var groups = samples.GroupBy(s => s.Status).OrderByDescending(g => g.Count()).ToList();
        if (groups.Count == 0)
        {
            return "—";
        }

        return string.Join(", ", groups.Select(g => $"{StatusName(g.Key)}×{g.Count()}"));
    }

    public static string StatusName(short status) => status switch
    {
        Sample.DeadlineExceeded => "deadline",
        Sample.ConnectionError => "conn-error",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>p50 / p99 / max of the latencies in milliseconds.</summary>
    public static string Latency(IEnumerable<Sample> samples)
    {
        var sorted = samples.Select(s => s.LatencyMs).Order().ToList();
        return sorted.Count == 0
            ? "—"
            : string.Create(CultureInfo.InvariantCulture, $"{Percentile(sorted, 50):0.0} / {Percentile(sorted, 99):0.0} / {sorted[^1]:0}");
    }

    /// <summary>
    /// When the traffic recovered after <paramref name="fromMs"/>: the end of the last failed
    /// request that is followed by <paramref name="cleanMs"/> of error-free traffic. Null while no
    /// such stretch has been observed yet (up to <paramref name="observedUntilMs"/>).
    /// </summary>
    public static double? RecoveredAtMs(IEnumerable<Sample> mainTraffic, double fromMs, double observedUntilMs, double cleanMs)
    {
        var candidate = fromMs;
        foreach (var failure in mainTraffic.Where(s => s.StartMs >= fromMs && !s.Ok).OrderBy(s => s.StartMs))
        {
            if (failure.StartMs - candidate >= cleanMs)
            {
                return candidate;
            }

            candidate = Math.Max(candidate, failure.EndMs);
        }

        return observedUntilMs - candidate >= cleanMs ? candidate : null;
    }

    public static string Seconds(double? ms) =>
        ms is { } value ? (value / 1000).ToString("0.0", CultureInfo.InvariantCulture) : "not recovered";

    public static StringBuilder Row(this StringBuilder builder, params object?[] cells) =>
        builder.Append("| ").Append(string.Join(" | ", cells.Select(c => Convert.ToString(c, CultureInfo.InvariantCulture)))).AppendLine(" |");
}

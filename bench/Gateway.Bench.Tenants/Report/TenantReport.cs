using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Tenants.Report;

/// <summary>bench/tenants.sh's tables and summary lines, from its results file (see <see cref="TenantMeasurement"/>).</summary>
internal static class TenantReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// Per row the median (min–max) of its rounds; ratios pair rounds. <paramref name="unlimited"/>
    /// rows have no limiter: their accuracy column is how far over their limit the keys were offered.
    /// </summary>
    public static string Table(IReadOnlyList<TenantMeasurement> results, IReadOnlyList<string> rows, IReadOnlyList<string> labels, IReadOnlySet<string> unlimited)
    {
        var byRow = results.GroupBy(m => m.Row).ToDictionary(g => g.Key, g => g.ToDictionary(m => m.Round));
        var table = new MarkdownTable()
            .Column("row", numeric: false).Column("req/s").Column("× bare YARP").Column("× rate limiting off").Column("p50 ms").Column("p99 ms")
            .Column("2xx %").Column("429 %").Column("503 + other %").Column("Redis calls/req").Column("Redis commands/req").Column("Redis µs/call")
            .Column("Redis µs/decision").Column("auth calls/s").Column("keys over their limit").Column("admitted ÷ limit per window (over-limit keys)")
            .Column("429s under ½ limit");
        for (var k = 0; k < rows.Count; k++)
        {
            var id = rows[k];
            var rounds = byRow.GetValueOrDefault(id) ?? [];
            string Cell(Func<TenantMeasurement, double?> value, string format) =>
                Rounds.Of(rounds.Values.Select(value).OfType<double>()).Format(format);
            string Ratio(string baseRow) =>
                id == baseRow ? "1"
                : !byRow.TryGetValue(baseRow, out var baseline) ? "—"
                : Rounds.Of(rounds.Values.Where(m => baseline.ContainsKey(m.Round)).Select(m => m.RequestsPerSecond / baseline[m.Round].RequestsPerSecond)).Format("F2");

            var free = unlimited.Contains(id);
            table.Row(
                k < labels.Count ? labels[k] : id,
                Cell(m => m.RequestsPerSecond, "F0"),
                Ratio("yarp"),
                Ratio("off"),
                Cell(m => m.P50Ms, "F2"),
                Cell(m => m.P99Ms, "F2"),
                Cell(m => m.Share2xx * 100, "F1"),
                Cell(m => m.Share429 * 100, "F1"),
                Cell(m => m.Share503AndOther * 100, "F2"),
                Cell(m => m.RedisCallsPerRequest, "F4"),
                Cell(m => m.RedisCommandsPerRequest, "F3"),
                Cell(m => m.RedisUsPerCall, "F1"),
                Cell(m => m.RedisUsPerDecision, "F2"),
                Cell(m => m.AuthCallsPerSecond, "F1"),
                Cell(m => m.OverKeys, "F0"),
                free ? $"not limited: offered {Accuracy(rounds.Values, free)} × limit" : Accuracy(rounds.Values, free),
                free ? "—" : rounds.Values.Sum(m => m.RefusedUnderHalf).ToString(Invariant));
        }

        return table.ToString();
    }

    /// <summary>
    /// The most popular keys of the last round: per rank the key, its plan and limit, what the off
    /// row offered and what each limited row admitted. <paramref name="keyFiles"/> are the load
    /// tool's per-key files of each row (rank, kind, plan, limit, window s, offered, admitted, refused).
    /// </summary>
    public static string KeysTable(IReadOnlyList<(string Row, string Path)> keyFiles, IReadOnlyList<string> labels, double seconds)
    {
        var perRow = keyFiles.Select(f => (f.Row, Lines: File.ReadLines(f.Path).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToDictionary(l => int.Parse(l[0], Invariant))))
            .ToList();
        var table = new MarkdownTable()
            .Column("rank").Column("credential", numeric: false).Column("plan", numeric: false).Column("limit req/s").Column("offered req/s (off row)");
        for (var k = 1; k < perRow.Count; k++)
        {
            table.Column($"admitted req/s, {perRow[k].Row}");
        }

        double PerSecond(string text) => double.Parse(text, Invariant) / seconds;
        for (var rank = 1; rank <= 8; rank++)
        {
            var any = perRow.Select(r => r.Lines.GetValueOrDefault(rank)).FirstOrDefault(l => l is not null);
            if (any is null)
            {
                continue;
            }

            var cells = new List<string>
            {
                rank.ToString(Invariant),
                any[1],
                any[2],
                (double.Parse(any[3], Invariant) / double.Parse(any[4], Invariant)).ToString("F1", Invariant),
                perRow[0].Lines.TryGetValue(rank, out var off) ? PerSecond(off[5]).ToString("F1", Invariant) : "—",
            };
            for (var k = 1; k < perRow.Count; k++)
            {
                cells.Add(perRow[k].Lines.TryGetValue(rank, out var l)
                    ? string.Create(Invariant, $"{PerSecond(l[6]):F1} (of {PerSecond(l[5]):F1} offered)")
                    : "—");
            }

            table.Row([.. cells]);
        }

        return table.ToString();
    }

    public static string OtherLoad(IReadOnlyList<TenantMeasurement> results)
    {
        var values = results.Select(m => m.OtherProcessesPercent).OfType<double>().Order().ToList();
        return values.Count == 0
            ? "not measured (servers not pinned to one CPU)"
            : string.Create(Invariant, $"{Percentiles.Median(values):F0}% of the core, median over measurements (max {values[^1]:F0}%)");
    }

    public static string ClientLoad(IReadOnlyList<TenantMeasurement> results)
    {
        var values = results.Select(m => m.ClientCpuShare * 100).Order().ToList();
        return values.Count == 0 ? "—" : string.Create(Invariant, $"{Percentiles.Median(values):F0}% (max {values[^1]:F0}%)");
    }

    /// <summary>The accuracy cell: median of the rounds' means, then the lowest min and highest max of any round.</summary>
    private static string Accuracy(IEnumerable<TenantMeasurement> rounds, bool unlimited)
    {
        var measured = rounds.Where(m => !double.IsNaN(m.AccuracyMean)).ToList();
        if (measured.Count == 0)
        {
            return "—";
        }

        var median = Percentiles.Median(measured.Select(m => m.AccuracyMean));
        return unlimited
            ? median.ToString("F2", Invariant)
            : string.Create(Invariant, $"{median:F3} ({measured.Min(m => m.AccuracyMin):F3}–{measured.Max(m => m.AccuracyMax):F3})");
    }
}

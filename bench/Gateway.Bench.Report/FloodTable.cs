using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Report;

/// <summary>
/// bench/flood.sh's table. Its results file has, per round, an <c>alone</c> line (key, round,
/// requests, duration µs, p50 µs, p99 µs) and a <c>flood</c> line that adds the flood's requests,
/// duration µs, 429s, the auth calls it caused and its 503s.
/// </summary>
internal static class FloodTable
{
    public static string Build(string path)
    {
        var lines = File.ReadLines(path).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
        double N(string[] f, int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        var alone = lines.Where(f => f[0] == "alone").ToDictionary(f => f[1]);
        var flood = lines.Where(f => f[0] == "flood").ToDictionary(f => f[1]);

        var table = new MarkdownTable()
            .Column("cached-token traffic", numeric: false).Column("req/s").Column("p50 ms").Column("p99 ms").Column("p99 − alone, ms (paired)")
            .Column("flood req/s").Column("flood answered 429").Column("flood 503s per round").Column("auth calls/s during the flood");
        foreach (var (label, rounds) in new[] { ("alone", alone), ("under the flood", flood) })
        {
            var rps = Rounds.Of(rounds.Values.Select(f => N(f, 2) / N(f, 3) * 1e6)).Format("F0");
            var p50 = Rounds.Of(rounds.Values.Select(f => N(f, 4) / 1000)).Format("F2");
            var p99 = Rounds.Of(rounds.Values.Select(f => N(f, 5) / 1000)).Format("F2");
            if (rounds == alone)
            {
                table.Row(label, rps, p50, p99, "—", "—", "—", "—", "—");
                continue;
            }

            table.Row(
                label, rps, p50, p99,
                Rounds.Of(rounds.Values.Where(f => alone.ContainsKey(f[1])).Select(f => (N(f, 5) - N(alone[f[1]], 5)) / 1000)).Format("+0.00;-0.00;+0.00"),
                Rounds.Of(rounds.Values.Select(f => N(f, 6) / N(f, 7) * 1e6)).Format("F0"),
                Rounds.Of(rounds.Values.Select(f => N(f, 8) / N(f, 6) * 100)).Format("F1") + " %",
                Rounds.Of(rounds.Values.Select(f => N(f, 10))).Format("F0"),
                Rounds.Of(rounds.Values.Select(f => N(f, 9) / (N(f, 7) / 1e6))).Format("F2"));
        }

        return table.ToString();
    }
}

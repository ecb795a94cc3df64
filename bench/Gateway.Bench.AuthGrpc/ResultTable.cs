using System.Globalization;
using System.Text;
using Gateway.Bench.Measure;
using static System.FormattableString;

namespace Gateway.Bench.AuthGrpc;

/// <summary>The markdown table bench/auth-grpc.sh prints and saves.</summary>
internal static class ResultTable
{
    public static string Format(IReadOnlyList<BenchRun> cases, IReadOnlyList<IReadOnlyList<Measurement>> measurements, BenchOptions options)
    {
        var text = new StringBuilder();
        text.Append("| case | req/s | p50 ms | p99 ms | calls | errors |");
        foreach (var server in options.Servers)
        {
            text.Append(Invariant($" {server.Name} CPU µs/call |"));
        }

        text.AppendLine(" client CPU |");
        text.Append("|---|---:|---:|---:|---:|---:|");
        text.Append(string.Concat(Enumerable.Repeat("---:|", options.Servers.Count)));
        text.AppendLine("---:|");

        for (var c = 0; c < cases.Count; c++)
        {
            var rounds = measurements[c];
            // Percentiles over every answered call of every round, not a median of percentiles.
            var all = rounds.SelectMany(m => m.Latencies).Order().ToArray();
            text.Append(Invariant($"| {cases[c].Name(options.Baseline is not null)} | {Cell(rounds.Select(m => m.Rate).ToList(), "F0")}"));
            text.Append(Invariant($" | {Percentiles.Milliseconds(all, 0.50):F2} | {Percentiles.Milliseconds(all, 0.99):F2}"));
            text.Append(Invariant($" | {all.Length} | {rounds.Sum(m => m.Errors)} |"));
            for (var s = 0; s < options.Servers.Count; s++)
            {
                text.Append(Invariant($" {Cell(rounds.Select(m => m.ServerCpuMicroseconds[s]).ToList(), "F0")} |"));
            }

            text.AppendLine(Invariant($" {Percentiles.Median(rounds.Select(m => m.ClientCpuShare * 100).ToList()):F0}% |"));
        }

        if (options.Baseline is not null)
        {
            AppendComparison(text, cases, measurements, options);
        }

        var others = measurements.SelectMany(m => m).Where(m => m.OtherCoreShare is not null).Select(m => m.OtherCoreShare!.Value * 100).ToList();
        var noise = others.Count == 0
            ? "not measured"
            : Invariant($"{Percentiles.Median(others):F0}% of the core, median over measurements (max {others.Max():F0}%)");

        text.AppendLine();
        text.AppendLine(Invariant(
            $"ValidateToken over gRPC (h2c, one channel) to 127.0.0.1, {options.Concurrency} calls in flight, {options.Duration.TotalSeconds:F0} s per measurement ")
            + Invariant($"after one {options.Warmup.TotalSeconds:F0} s warm-up per case. req/s: median of {options.Rounds} interleaved round(s) (min–max); ")
            + "p50/p99 over every call of every round; calls: answered as expected; errors: gRPC errors and wrong answers. "
            + "CPU µs/call: user+system CPU of that process tree per answered call (median over rounds). "
            + "client CPU: the load tool's CPU as a share of one core (near 100% on a one-core pin means the client set the pace). "
            + $"Other processes on the server core while measuring: {noise}. See bench/README.md.");
        return text.ToString();
    }

    /// <summary>
    /// This build against the baseline, paired per round (the two measurements of a pair ran back
    /// to back): the median of the per-round ratios, not a ratio of medians of different moments.
    /// </summary>
    private static void AppendComparison(StringBuilder text, IReadOnlyList<BenchRun> runs, IReadOnlyList<IReadOnlyList<Measurement>> measurements, BenchOptions options)
    {
        text.AppendLine();
        text.Append("| case | req/s, this ÷ baseline |");
        foreach (var server in options.Servers)
        {
            text.Append(Invariant($" {server.Name} CPU per call, baseline ÷ this |"));
        }

        text.AppendLine();
        text.Append("|---|---:|");
        text.AppendLine(string.Concat(Enumerable.Repeat("---:|", options.Servers.Count)));
        for (var r = 0; r + 1 < runs.Count; r += 2)
        {
            var mine = measurements[r];
            var theirs = measurements[r + 1];
            var rates = mine.Zip(theirs, (a, b) => a.Rate / b.Rate).ToList();
            text.Append(Invariant($"| {runs[r].Case.Name} | {Cell(rates, "F2")} ×"));
            for (var s = 0; s < options.Servers.Count; s++)
            {
                // A process that did no work for either build (PostgreSQL on a malformed credential) has no ratio.
                var cpu = mine.Zip(theirs, (a, b) => (a: a.ServerCpuMicroseconds[s], b: b.ServerCpuMicroseconds[s]))
                    .Where(pair => pair.a > 0).Select(pair => pair.b / pair.a).ToList();
                text.Append(cpu.Count == 0 ? " | —" : Invariant($" | {Cell(cpu, "F2")} ×"));
            }

            text.AppendLine(" |");
        }
    }

    /// <summary>Median (min–max), or the one value.</summary>
    private static string Cell(IReadOnlyList<double> values, string format) =>
        Rounds.Of(values).Format(format);

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

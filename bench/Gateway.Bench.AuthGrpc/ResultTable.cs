using System.Globalization;
using System.Text;
using static System.FormattableString;

namespace Gateway.Bench.AuthGrpc;

/// <summary>The markdown table bench/auth-grpc.sh prints and saves.</summary>
internal static class ResultTable
{
    public static string Format(IReadOnlyList<BenchCase> cases, IReadOnlyList<IReadOnlyList<Measurement>> measurements, BenchOptions options)
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
            text.Append(Invariant($"| {cases[c].Name} | {Cell(rounds.Select(m => m.Rate).ToList(), "F0")}"));
            text.Append(Invariant($" | {Percentiles.Milliseconds(all, 0.50):F2} | {Percentiles.Milliseconds(all, 0.99):F2}"));
            text.Append(Invariant($" | {all.Length} | {rounds.Sum(m => m.Errors)} |"));
            for (var s = 0; s < options.Servers.Count; s++)
            {
                text.Append(Invariant($" {Cell(rounds.Select(m => m.ServerCpuMicroseconds[s]).ToList(), "F0")} |"));
            }

            text.AppendLine(Invariant($" {Percentiles.Median(rounds.Select(m => m.ClientCpuShare * 100).ToList()):F0}% |"));
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

    /// <summary>Median (min–max), or the one value.</summary>
    private static string Cell(IReadOnlyList<double> values, string format) =>
        values.Count == 1
            ? F(values[0], format)
            : $"{F(Percentiles.Median(values), format)} ({F(values.Min(), format)}–{F(values.Max(), format)})";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}

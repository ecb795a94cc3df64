using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Report.Profile;

/// <summary>bench/profile.sh's figures of one wrk run: its progress line, and for profiled runs the measurements line the report reads.</summary>
internal static class ProfileMeasurement
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>From key=value arguments: key, mode, wrk's requests/duration_us/p50_us/p99_us, CPU and core ticks.</summary>
    public static (string Progress, string? Line) From(IReadOnlyDictionary<string, string> raw)
    {
        double D(string name) => double.Parse(raw[name], Invariant);
        var requests = D("requests");
        var us = D("duration_us");
        var tickUs = D("tick_us");
        var rps = requests / (us / 1e6);
        var cpuTicks = D("cpu");
        var other = "-";
        if (raw.GetValueOrDefault("core") is { Length: > 0 })
        {
            other = CoreNoise.OtherProcessesPercent(D("core_ticks"), D("our_ticks"), tickUs, us).ToString("F0", Invariant);
        }

        var mode = raw["mode"];
        var progress = string.Create(Invariant,
            $"[bench] {mode,-9} {raw["key"],-20} {rps,7:F0} req/s  p50 {D("p50_us") / 1000,6:F2} ms  p99 {D("p99_us") / 1000,7:F2} ms  process {cpuTicks * tickUs / requests,4:F1} us/req  other procs {other,3}%");
        var line = mode == "profile"
            ? string.Join('\t', raw["key"], requests.ToString("F0", Invariant), (us / 1e6).ToString("F1", Invariant), rps.ToString("F1", Invariant),
                (D("p50_us") / 1000).ToString("F2", Invariant), (D("p99_us") / 1000).ToString("F2", Invariant), other, (cpuTicks * tickUs).ToString("F0", Invariant))
            : null;
        return (progress, line);
    }

    /// <summary>How busy other processes kept the server core, over the profiled measurements.</summary>
    public static string OtherLoad(string measurements)
    {
        var values = File.ReadLines(measurements).Where(l => l.Length > 0).Select(l => l.Split('\t')[6])
            .Where(v => v != "-").Select(v => double.Parse(v, Invariant)).Order().ToList();
        return values.Count == 0
            ? "not measured (servers not pinned to one CPU)"
            : string.Create(Invariant, $"{Percentiles.Median(values):F0}% of the core, median over the profiled measurements (min {values[0]:F0}%, max {values[^1]:F0}%)");
    }
}

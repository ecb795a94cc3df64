using System.Globalization;
using System.Text;

namespace Gateway.Bench.Report.Profile;

/// <summary>
/// bench/profile.sh's tables from perf samples (ported from the Python report it replaces). Input
/// per target: <c>&lt;prefix&gt;.stacks.gz</c> (<c>perf script -F comm,tid,period,ip,sym,dso</c>,
/// gzip) and optionally <c>&lt;prefix&gt;.counters.csv</c> (dotnet-counters System.Runtime); plus
/// the measurements file (key, requests, seconds, req/s, p50, p99, other processes %, process CPU
/// µs over the window). Every figure is normalised per request: a bucket's share of the target
/// process's samples times the process's CPU per request measured from /proc over the same wrk
/// window. Differences are taken against the <c>yarp</c> target, so a gateway row says what it
/// spends that bare YARP does not.
/// </summary>
internal static class ProfileReport
{
    private static readonly string[] KeyComponents =
    [
        "OpenTelemetry SDK + instrumentation", "Activity / ActivitySource (tracing)", "DiagnosticListener / DiagnosticSource",
        "System.Diagnostics.Metrics (instruments, listeners)", "ASP.NET Core hosting (HostingApplication, request diagnostics)",
        "Gateway: telemetry (metrics middleware, route stats)", "Gateway: authentication", "Gateway: rate limiting",
        "Gateway: forwarding (retry, identity transforms)", "ASP.NET Core authentication", "ASP.NET Core authorization",
        "ASP.NET Core rate limiting (+ System.Threading.RateLimiting)", "ASP.NET Core routing",
        "ASP.NET Core diagnostics (exception handler, status code pages)", "Microsoft.Extensions.Logging", "Polly / resilience",
        "StackExchange.Redis", "YARP", "System.Net.Http (HttpClient to the backend)", "Kestrel", "System.Net.Sockets",
    ];

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary><c>profile --measurements F --frequency HZ --target key=label=prefix ... [--top N]</c>.</summary>
    public static string Run(string[] args)
    {
        string? measurementsPath = null;
        var frequency = 0;
        var top = 25;
        var targets = new List<(string Key, string Label, string Prefix)>();
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--measurements":
                    measurementsPath = value;
                    break;
                case "--frequency":
                    frequency = int.Parse(value, Invariant);
                    break;
                case "--top":
                    top = int.Parse(value, Invariant);
                    break;
                case "--target":
                    var parts = value.Split('=', 3);
                    targets.Add((parts[0], parts[1], parts[2]));
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        var measurements = File.ReadLines(measurementsPath ?? throw new ArgumentException("--measurements is required"))
            .Where(l => l.Length > 0).Select(l => l.Split('\t'))
            .ToDictionary(f => f[0], f => new Measured(
                int.Parse(f[1], Invariant), double.Parse(f[3], Invariant), double.Parse(f[4], Invariant), double.Parse(f[5], Invariant), f[6],
                double.Parse(f[7], Invariant) / int.Parse(f[1], Invariant)));
        var results = new Dictionary<string, StackAnalysis>();
        foreach (var (key, _, prefix) in targets)
        {
            var analysis = StackAnalysis.Read(prefix + ".stacks.gz");
            analysis.Scale = analysis.Total > 0 ? measurements[key].CpuUsPerRequest / analysis.Total : 0;
            analysis.Counters = RuntimeCounters.Read(prefix + ".counters.csv");
            results[key] = analysis;
        }

        var out_ = new List<string>();
        Summary(out_, targets, results, measurements, frequency);
        var keys = targets.Select(t => t.Key).ToList();
        ComponentTable(out_, keys, results, "CPU charged to components (µs per request)", a => a.Charged,
            "Each sample is charged to the nearest frame, from the leaf up, of a component that owns work: kernel time in a socket "
            + "send is charged to whoever called the socket (System.Net.Sockets, Kestrel ...), runtime helpers and allocations to the "
            + "managed caller, generic BCL code (collections, strings, async state machine plumbing, thread pool) to the component "
            + "that called it; what has no such caller keeps its generic group (e.g. the thread pool's own dispatch and spinning). "
            + "JIT and tiered compilation are charged to JIT. The difference columns are what the gateway spends per request that "
            + "bare YARP does not (negative: less).");
        ComponentTable(out_, keys, results, "Self time by group (µs per request)", a => a.SelfGroup,
            "Where the CPU actually is (the leaf frame): managed code by namespace, kernel time by the syscall it is in, "
            + "libcoreclr (no symbols in the shipped runtime: GC, allocation and type-check helpers, stubs).");
        ComponentTable(out_, keys, results, "Inclusive time of key components (µs per request)", a => a.InclusiveGroup,
            "Samples with at least one frame of the component on the stack (callees included, nested components double-counted "
            + "across rows: e.g. YARP's forwarding includes System.Net.Http).", KeyComponents);
        foreach (var (key, label, _) in targets)
        {
            TopMethods(out_, results[key], label, top);
        }

        return string.Join('\n', out_);
    }

    private static void Summary(
        List<string> out_, IReadOnlyList<(string Key, string Label, string Prefix)> targets, IReadOnlyDictionary<string, StackAnalysis> results,
        IReadOnlyDictionary<string, Measured> measurements, int frequency)
    {
        out_.Add("## Summary per target\n");
        out_.Add("| target | req/s while sampled | p50 / p99 ms | process CPU µs/req (/proc) | perf samples | sampled CPU µs/req | × bare YARP CPU/req | other processes on the server core | GC pause µs/req | allocated bytes/req | gen0 GCs per 10k req |");
        out_.Add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var hasBase = results.ContainsKey("yarp");
        foreach (var (key, label, _) in targets)
        {
            var (a, m) = (results[key], measurements[key]);
            var sampledUs = a.Total / 1000.0 / m.Requests;
            var ratio = hasBase ? (m.CpuUsPerRequest / measurements["yarp"].CpuUsPerRequest).ToString("F2", Invariant) : "—";
            string gc = "—", allocated = "—", gen0 = "—";
            if (a.Counters is { } counters)
            {
                var n = m.RequestsPerSecond * counters.Seconds; // requests in the counted seconds
                if (n != 0 && counters.Sums.TryGetValue("dotnet.gc.pause.time (s / 1 sec)", out var pause))
                {
                    gc = (pause * 1e6 / n).ToString("F2", Invariant);
                }

                if (n != 0 && counters.Sums.TryGetValue("dotnet.gc.heap.total_allocated (By / 1 sec)", out var bytes))
                {
                    allocated = (bytes / n).ToString("F0", Invariant);
                }

                if (n != 0 && counters.Sums.TryGetValue("dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen0]", out var g0))
                {
                    gen0 = (g0 * 1e4 / n).ToString("F2", Invariant);
                }
            }

            out_.Add(string.Create(Invariant,
                $"| {label} | {m.RequestsPerSecond:F0} | {m.P50:F2} / {m.P99:F2} | {m.CpuUsPerRequest:F1} | {a.Total / (1e9 / frequency):F0} | {sampledUs:F1} | {ratio} | {m.Other}% | {gc} | {allocated} | {gen0} |"));
        }

        out_.Add(string.Empty);
        out_.Add("*process CPU µs/req*: user+system CPU of the profiled process over the wrk window ÷ requests completed. "
            + "*sampled CPU µs/req*: perf's cpu-clock samples of that process ÷ the same requests (the perf window starts 0.5 s earlier, "
            + "so the two differ slightly). Every µs/req figure below is a share of the samples × the /proc figure. "
            + "GC and allocation columns come from dotnet-counters (System.Runtime) over the same window, first 2 s (attach) left out.\n");
    }

    private static void ComponentTable(
        List<string> out_, IReadOnlyList<string> keys, IReadOnlyDictionary<string, StackAnalysis> results, string title,
        Func<StackAnalysis, Tally> field, string note, IReadOnlyList<string>? rows = null)
    {
        out_.Add($"## {title}\n");
        out_.Add(note + "\n");
        var hasBase = results.TryGetValue("yarp", out var baseline);
        // Each component at its largest µs/req over the targets, in first-seen order for ties.
        var largest = new Dictionary<string, double>(StringComparer.Ordinal);
        var seen = new List<string>();
        foreach (var key in keys)
        {
            foreach (var (group, period) in field(results[key]).Items)
            {
                if (!largest.ContainsKey(group))
                {
                    seen.Add(group);
                }

                largest[group] = Math.Max(largest.GetValueOrDefault(group), results[key].Us(period));
            }
        }

        var order = rows ?? seen.OrderByDescending(g => largest[g]).ToList();
        var others = keys.Where(k => k != "yarp").ToList();
        var head = new StringBuilder("| component | ").AppendJoin(" | ", keys.Select(k => $"{k} µs/req (%)"));
        if (hasBase)
        {
            head.Append(" | ").AppendJoin(" | ", others.Select(k => $"{k} − yarp"));
        }

        out_.Add(head.Append(" |").ToString());
        out_.Add("|---|" + string.Concat(Enumerable.Repeat("---:|", keys.Count + (hasBase ? keys.Count - 1 : 0))));
        foreach (var group in order)
        {
            if (rows is null && largest.GetValueOrDefault(group) < 0.15)
            {
                continue;
            }

            var cells = keys.Select(k =>
            {
                var a = results[k];
                var v = field(a)[group];
                return string.Create(Invariant, $"{a.Us(v):F2} ({100.0 * v / a.Total:F1}%)");
            }).ToList();
            if (hasBase)
            {
                var yarp = baseline!.Us(field(baseline)[group]);
                cells.AddRange(others.Select(k => Signed(results[k].Us(field(results[k])[group]) - yarp)));
            }

            out_.Add($"| {group} | " + string.Join(" | ", cells) + " |");
        }

        if (rows is null)
        {
            var cells = keys.Select(k => string.Create(Invariant, $"{results[k].Scale * results[k].Total:F2} (100%)")).ToList();
            if (hasBase)
            {
                cells.AddRange(others.Select(k => Signed((results[k].Scale * results[k].Total) - (baseline!.Scale * baseline.Total))));
            }

            out_.Add("| **total** | " + string.Join(" | ", cells) + " |");
        }

        out_.Add(string.Empty);
    }

    private static void TopMethods(List<string> out_, StackAnalysis a, string label, int top)
    {
        out_.Add($"## {label}: top {top} methods\n");
        out_.Add("| # | self µs/req | self % | method (leaf) | | inclusive µs/req | incl. % | method (on the stack) |");
        out_.Add("|---:|---:|---:|---|---|---:|---:|---|");
        var self = a.SelfMethod.MostCommon(top);
        // Skip the frames that are on every stack anyway (thread start, dispatch loops).
        var inclusive = a.InclusiveMethod.MostCommon(top + 40).Where(m => m.Value < 0.97 * a.Total).Take(top).ToList();
        for (var i = 0; i < top; i++)
        {
            var l = i < self.Count ? self[i] : new KeyValuePair<string, long>(string.Empty, 0);
            var r = i < inclusive.Count ? inclusive[i] : new KeyValuePair<string, long>(string.Empty, 0);
            out_.Add(string.Create(Invariant,
                $"| {i + 1} | {a.Us(l.Value):F2} | {100.0 * l.Value / a.Total:F1} | `{Cut(l.Key)}` | | {a.Us(r.Value):F2} | {100.0 * r.Value / a.Total:F1} | `{Cut(r.Key)}` |"));
        }

        out_.Add(string.Empty);
        var threads = string.Join(", ", a.Threads.MostCommon(8).Select(t => string.Create(Invariant, $"{t.Key} {100.0 * t.Value / a.Total:F1}%")));
        var tiersTotal = a.Tiers.Sum is > 0 and var sum ? sum : 1;
        var tiers = string.Join(", ", a.Tiers.MostCommon().Select(t => string.Create(Invariant, $"{t.Key} {100.0 * t.Value / tiersTotal:F1}%")));
        out_.Add($"Threads: {threads}. JIT tier of managed leaf samples: {tiers}.\n");
    }

    private static string Cut(string name) => name.Length > 110 ? name[..110] : name;

    /// <summary>Python's <c>{v:+.2f}</c>: a sign always, "-0.00" for a negative that rounds to zero.</summary>
    private static string Signed(double value) => (value >= 0 ? "+" : string.Empty) + value.ToString("F2", Invariant);

    private sealed record Measured(int Requests, double RequestsPerSecond, double P50, double P99, string Other, double CpuUsPerRequest);
}

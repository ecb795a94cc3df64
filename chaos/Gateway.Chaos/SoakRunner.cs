using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Gateway.Chaos;

/// <summary>
/// Capacity first (a short unpaced burst), then ~70% of it for the given minutes: throughput and
/// errors per 30 s, and each service's memory, threads and descriptors at start, middle and end.
/// </summary>
internal sealed class SoakRunner(ChaosApp app, ChaosOptions options)
{
    private const double LoadShare = 0.7;
    private static readonly TimeSpan CapacityMeasurement = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var token = await app.NewUserTokenAsync(cancellationToken);

        // Capacity: the same loops unpaced; the first 3 s (connections, JIT, caches) do not count.
        double capacity;
        await using (var burst = new Traffic(app.ProxyAddress, token, clock))
        {
            burst.Start(options.Workers, probes: false, registrations: false);
            var fromMs = burst.NowMs + 3000;
            await Task.Delay(CapacityMeasurement, cancellationToken);
            var toMs = burst.NowMs;
            await burst.StopAsync();
            capacity = burst.Samples.Count(s => s.StartMs >= fromMs && s.StartMs < toMs && s.Ok) / ((toMs - fromMs) / 1000);
        }

        var target = capacity * LoadShare;
        Console.Error.WriteLine($"[chaos] capacity {capacity:F0} req/s; soak at {target:F0} req/s for {options.SoakMinutes} min");

        var services = await app.ServerPidsAsync(cancellationToken);
        await using var traffic = new Traffic(app.ProxyAddress, token, clock);
        traffic.SetRate(target);
        var startMs = traffic.NowMs;
        traffic.Start(options.Workers, probes: false, registrations: false);
        var duration = TimeSpan.FromMinutes(options.SoakMinutes);

        // Start: after 10 s at the target rate (pools, caches and JIT settled); middle; end.
        var snapshots = new List<(string When, double AtMs, Dictionary<string, ProcStats> Stats)>();
        foreach (var (when, at) in new[] { ("start", TimeSpan.FromSeconds(10)), ("middle", duration / 2), ("end", duration - TimeSpan.FromSeconds(1)) })
        {
            var wait = at - TimeSpan.FromMilliseconds(traffic.NowMs - startMs);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            snapshots.Add((when, traffic.NowMs - startMs, services.ToDictionary(s => s.Name, s => s.Name == "postgres" ? ProcStats.ReadTree(s.Pid) : ProcStats.Read(s.Pid))));
            Console.Error.WriteLine($"[chaos] {when} snapshot at {(traffic.NowMs - startMs) / 1000:F0} s");
        }

        var remaining = duration - TimeSpan.FromMilliseconds(traffic.NowMs - startMs);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, cancellationToken);
        }

        var endMs = traffic.NowMs;
        await traffic.StopAsync();
        var samples = traffic.Samples.Where(s => s.StartMs >= startMs && s.StartMs < endMs).ToList();
        return Report(capacity, target, samples, startMs, endMs, snapshots, clock.Elapsed);
    }

    private string Report(
        double capacity, double target, List<Sample> samples, double startMs, double endMs,
        List<(string When, double AtMs, Dictionary<string, ProcStats> Stats)> snapshots, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        var errors = samples.Count(s => !s.Ok);
        text.AppendLine(CultureInfo.InvariantCulture, $"## Soak: {options.SoakMinutes} min at {LoadShare:P0} of measured capacity ({options.Workers} request loops, {Traffic.RequestDeadline.TotalSeconds:0} s deadline per request; run took {elapsed.TotalSeconds:0} s)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Traffic: `GET /api/hello` with a cached token and `GET /public/hello` alternately through DCP's balancer on 127.0.0.1, connections recycled every second. Capacity (unpaced, {CapacityMeasurement.TotalSeconds - 3:0} s): **{capacity:F0} req/s**; target {target:F0} req/s. Total: {samples.Count} requests, **{errors} errors** ({Stats.StatusCounts(samples.Where(s => !s.Ok))}), latency p50 / p99 / max {Stats.Latency(samples)} ms.");
        text.AppendLine();
        text.Row("interval", "req/s", "errors", "p50 / p99 / max ms");
        text.Row("---", "---:", "---:", "---");
        for (var from = startMs; from < endMs - 1000; from += Interval.TotalMilliseconds)
        {
            var to = Math.Min(from + Interval.TotalMilliseconds, endMs);
            var slice = samples.Where(s => s.StartMs >= from && s.StartMs < to).ToList();
            text.Row(
                string.Create(CultureInfo.InvariantCulture, $"{(from - startMs) / 1000:0}-{(to - startMs) / 1000:0} s"),
                (slice.Count / ((to - from) / 1000)).ToString("0", CultureInfo.InvariantCulture),
                slice.Count(s => !s.Ok),
                Stats.Latency(slice));
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Resources at {string.Join(", ", snapshots.Select(s => $"{s.When} ({s.AtMs / 1000:0} s)"))}. RSS in MiB (postgres: proportional set size of the postmaster and all its backends, and the process count in place of threads).");
        text.AppendLine();
        text.Row("service", "RSS MiB", "threads", "open fds", "levels off?");
        text.Row("---", "---", "---", "---", "---");
        var verdicts = new List<bool>();
        foreach (var name in snapshots[0].Stats.Keys)
        {
            var series = snapshots.Select(s => s.Stats[name]).ToList();
            var rss = Verdict(series.Select(s => s.RssMiB).ToList(), absolute: 8);
            var threads = Verdict(series.Select(s => (double)s.Threads).ToList(), absolute: 4);
            var fds = Verdict(series.Select(s => (double)s.Fds).ToList(), absolute: 8);
            var alive = series.All(s => s.Alive);
            verdicts.Add(alive && rss.Ok && threads.Ok && fds.Ok);
            text.Row(
                name,
                string.Join(" → ", series.Select(s => s.RssMiB.ToString("0", CultureInfo.InvariantCulture))),
                string.Join(" → ", series.Select(s => s.Threads)),
                string.Join(" → ", series.Select(s => s.Fds)),
                !alive ? "**process died**" : rss.Ok && threads.Ok && fds.Ok ? "yes" : $"**no**: {string.Join("; ", new[] { rss, threads, fds }.Zip(["RSS", "threads", "fds"]).Where(v => !v.First.Ok).Select(v => $"{v.Second} {v.First.Why}"))}");
        }

        text.AppendLine();
        text.AppendLine(verdicts.All(v => v) && errors == 0
            ? "**Verdict: growth levels off** — every service's memory, threads and descriptors grew no more in the second half than the noise threshold (max of 5% and 8 MiB / 4 threads / 8 fds), and no request failed."
            : $"**Verdict: does not level off or errors seen** — {errors} errors; see the rows marked **no**.");
        text.AppendLine();
        text.AppendLine("\"Levels off\": the second half's growth (middle → end) is within max(5% of the middle value, a small absolute margin). Growth in the first half alone (warm-up, pools, GC heap sizing) is expected.");
        return text.ToString();
    }

    private static (bool Ok, string Why) Verdict(IReadOnlyList<double> series, double absolute)
    {
        var secondHalf = series[2] - series[1];
        var margin = Math.Max(absolute, series[1] * 0.05);
        return secondHalf <= margin
            ? (true, string.Empty)
            : (false, string.Create(CultureInfo.InvariantCulture, $"+{secondHalf:0.#} in the second half (margin {margin:0.#})"));
    }
}

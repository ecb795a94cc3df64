using System.Diagnostics;
using Gateway.Bench.Measure;
using static System.FormattableString;

namespace Gateway.Bench.AuthGrpc;

/// <summary>One measurement of one case: what was answered, how fast, and at what CPU cost.</summary>
internal sealed record Measurement(
    TimeSpan Elapsed, long[] Latencies, int Errors, string? FirstError, double[] ServerCpuMicroseconds, double ClientCpuShare, double? OtherCoreShare)
{
    public double Rate => Latencies.Length / Elapsed.TotalSeconds;
}

/// <summary>
/// One warm-up pass over the runs, then rounds that run every run once in a fixed order
/// (A B C D A B C D ...; with a baseline, each case against both builds back to back): whatever
/// slows a noisy machine for a while slows neighbouring measurements alike.
/// </summary>
internal sealed class LoadRunner(BenchOptions options)
{
    private readonly CpuSampler _cpu = new(options);

    public async Task<IReadOnlyList<IReadOnlyList<Measurement>>> RunAsync(IReadOnlyList<BenchRun> cases)
    {
        foreach (var run in cases)
        {
            Report("warm-up", run, await MeasureAsync(run, options.Warmup));
        }

        var measurements = cases.Select(_ => new List<Measurement>()).ToArray();
        for (var round = 1; round <= options.Rounds; round++)
        {
            for (var i = 0; i < cases.Count; i++)
            {
                var measurement = await MeasureAsync(cases[i], options.Duration);
                measurements[i].Add(measurement);
                Report(Invariant($"round {round}"), cases[i], measurement);
            }
        }

        return measurements;
    }

    private async Task<Measurement> MeasureAsync(BenchRun run, TimeSpan duration)
    {
        var workers = new Worker[options.Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = new Worker(run.Target.Client, run.Case);
        }

        var cpuBefore = _cpu.Sample(run.Target.Servers);
        var clientBefore = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        // Task.Run spreads the first synchronous part of each loop over the thread pool.
        await Task.WhenAll(workers.Select(worker => Task.Run(() => worker.RunAsync(stopAt))));
        // Calls in flight at the stop time are answered after it and counted, so the rate divides
        // by the time until the last answer.
        var elapsed = Stopwatch.GetElapsedTime(start);
        var clientCpu = Environment.CpuUsage.TotalTime - clientBefore;
        var cpuAfter = _cpu.Sample(run.Target.Servers);

        var latencies = new long[workers.Sum(w => w.Count)];
        var offset = 0;
        foreach (var worker in workers)
        {
            worker.Latencies.CopyTo(latencies.AsSpan(offset));
            offset += worker.Count;
        }

        var answered = Math.Max(latencies.Length, 1);
        var serverTicks = new long[cpuBefore.ServerTicks.Length];
        var serverCpu = new double[serverTicks.Length];
        for (var i = 0; i < serverCpu.Length; i++)
        {
            serverTicks[i] = cpuAfter.ServerTicks[i] - cpuBefore.ServerTicks[i];
            serverCpu[i] = serverTicks[i] * CpuSampler.MicrosecondsPerTick / answered;
        }

        // What else ran on the server core: its busy time minus the servers' own CPU time.
        double? other = null;
        if (cpuBefore.CoreTicks >= 0 && cpuAfter.CoreTicks >= 0)
        {
            var otherTicks = cpuAfter.CoreTicks - cpuBefore.CoreTicks - serverTicks.Sum();
            other = Math.Max(0, otherTicks * CpuSampler.MicrosecondsPerTick / elapsed.TotalMicroseconds);
        }

        return new Measurement(
            elapsed,
            latencies,
            workers.Sum(w => w.Errors),
            workers.Select(w => w.FirstError).FirstOrDefault(e => e is not null),
            serverCpu,
            clientCpu / elapsed,
            other);
    }

    private void Report(string pass, BenchRun run, Measurement m)
    {
        var sorted = m.Latencies.Order().ToArray();
        var cpu = string.Join("  ", options.Servers.Select((s, i) => Invariant($"{s.Name} {m.ServerCpuMicroseconds[i],4:F0} us/call")));
        var other = m.OtherCoreShare is { } share ? Invariant($"  other procs {share * 100,3:F0}%") : string.Empty;
        Console.Error.WriteLine(Invariant(
            $"[auth-grpc] {pass}: {run.Name(options.Baseline is not null),-52} {m.Rate,7:F0} req/s  p50 {Percentiles.Milliseconds(sorted, 0.50),6:F2} ms  p99 {Percentiles.Milliseconds(sorted, 0.99),6:F2} ms  {cpu}  client {m.ClientCpuShare * 100,3:F0}%{other}  errors {m.Errors}"));
        if (m.FirstError is { } error)
        {
            Console.Error.WriteLine($"[auth-grpc]   first error: {error}");
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aspire.Hosting.ApplicationModel;
using Gateway.EndToEndTests.Reliability;
using Npgsql;

namespace Gateway.Chaos;

/// <summary>
/// Kills each service in turn under steady traffic (SIGKILL of the real server process), holds the
/// fault, restarts it with the Start command and measures what clients saw.
/// </summary>
internal sealed class FaultRunner(ChaosApp app, ChaosOptions options)
{
    private static readonly TimeSpan Baseline = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan MaxRecovery = TimeSpan.FromSeconds(30);
    private const double CleanStretchMs = 2000;

    private sealed record Fault(string Name, string Promise);

    private sealed record Outcome(
        Fault Fault, string ResourceId, string Killed, double BaselineStartMs, double KillMs, double StoppedMs,
        double RestartMs, double HealthyMs, double ObservedUntilMs, double? RecoveredMs);

    private static readonly Fault[] Faults =
    [
        new("redis", "rate limiting falls back to its fail mode (Local on every default policy): requests keep being served, no 5xx, no added latency (breaker)"),
        new("auth", "cached tokens still served; uncached callers 503 + Retry-After at once (300 ms deadline, breaker); anonymous route unaffected"),
        new("postgres", "cached tokens and anonymous route served; uncached callers 503 + Retry-After (auth answers UNAVAILABLE, never \"invalid\"); registrations fail (503), no acknowledged registration lost"),
        new("proxy", "the other replica keeps serving"),
        new("sampleapi", "gateway answers with its own errors (502 unreachable, 503 no healthy destination, 504 after its 5 s backend timeout), nothing hangs past that; back in rotation after restart (active health checks every 5 s)"),
    ];

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var token = await app.NewUserTokenAsync(cancellationToken);
        var outcomes = new List<Outcome>();
        await using var traffic = new Traffic(app.ProxyAddress, token, clock);
        traffic.Start(options.Workers, probes: true, registrations: true);
        var warmupEndMs = traffic.NowMs + 3000;
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);

        foreach (var fault in Faults.Where(f => options.Only.Count == 0 || options.Only.Contains(f.Name)))
        {
            outcomes.Add(await InjectAsync(fault, traffic, cancellationToken));
        }

        await traffic.StopAsync();
        var samples = traffic.Samples.Where(s => s.StartMs >= warmupEndMs).ToList();
        var (lost, raced) = await VerifyRegistrationsAsync(samples, cancellationToken);
        return Report(outcomes, samples, lost, raced, clock.Elapsed);
    }

    private async Task<Outcome> InjectAsync(Fault fault, Traffic traffic, CancellationToken cancellationToken)
    {
        var baselineStart = traffic.NowMs;
        await Task.Delay(Baseline, cancellationToken);

        var resourceId = fault.Name == ChaosApp.ProxyResource
            ? (await app.ProxyReplicasAsync(cancellationToken))[0].ResourceId
            : fault.Name;
        var launcher = ResourceProcesses.LauncherPid((await app.CurrentAsync(resourceId, cancellationToken)).Snapshot);
        var pid = await app.ServerPidAsync(resourceId, cancellationToken);
        var killed = $"`{ResourceProcesses.CommandLine(pid).Split(' ')[0]}` pid {pid}";

        var killMs = traffic.NowMs;
        ResourceProcesses.KillTree(pid);
        Console.Error.WriteLine($"[chaos] {resourceId}: SIGKILL {killed} (launcher {launcher}) at {killMs / 1000:F1} s");
        await ResourceProcesses.WaitForStoppedAsync(app.App, resourceId, cancellationToken);
        var stoppedMs = traffic.NowMs;

        var holdLeft = options.Hold - TimeSpan.FromMilliseconds(traffic.NowMs - killMs);
        if (holdLeft > TimeSpan.Zero)
        {
            await Task.Delay(holdLeft, cancellationToken);
        }

        var restartMs = traffic.NowMs;
        await app.App.ResourceCommands.ExecuteCommandAsync(resourceId, KnownResourceCommands.StartCommand, cancellationToken);
        await ResourceProcesses.WaitForRestartedAsync(app.App, resourceId, launcher, cancellationToken);
        var healthyMs = traffic.NowMs;
        Console.Error.WriteLine($"[chaos] {resourceId}: restarted at {restartMs / 1000:F1} s, healthy after {(healthyMs - restartMs) / 1000:F1} s");

        double? recovered;
        while (true)
        {
            recovered = Stats.RecoveredAtMs(MainTraffic(traffic.Samples), restartMs, traffic.NowMs, CleanStretchMs);
            if (recovered is not null || traffic.NowMs - restartMs > MaxRecovery.TotalMilliseconds)
            {
                break;
            }

            await Task.Delay(250, cancellationToken);
        }

        return new Outcome(fault, resourceId, killed, baselineStart, killMs, stoppedMs, restartMs, healthyMs, traffic.NowMs, recovered);
    }

    private static IEnumerable<Sample> MainTraffic(IEnumerable<Sample> samples) =>
        samples.Where(s => s.Route is RouteKind.Authenticated or RouteKind.Anonymous);

    /// <summary>
    /// Every registration the gateway acknowledged (201) must be in PostgreSQL after all the kills;
    /// failed ones may be there too (the commit raced the crash), which is not a loss.
    /// </summary>
    private async Task<(List<string> Lost, int Raced)> VerifyRegistrationsAsync(List<Sample> samples, CancellationToken cancellationToken)
    {
        var acknowledged = samples.Where(s => s.Route == RouteKind.Register && s.Ok).Select(s => s.UserName!.ToLowerInvariant()).ToList();
        var failed = samples.Where(s => s.Route == RouteKind.Register && !s.Ok).Select(s => s.UserName!.ToLowerInvariant()).ToList();
        await using var connection = new NpgsqlConnection(await app.AuthDbConnectionStringAsync(cancellationToken));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT user_name_normalized FROM users WHERE user_name_normalized = ANY(@names)", connection);
        command.Parameters.AddWithValue("names", acknowledged.Concat(failed).ToArray());
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                present.Add(reader.GetString(0));
            }
        }

        return (acknowledged.Where(n => !present.Contains(n)).ToList(), failed.Count(present.Contains));
    }

    private string Report(List<Outcome> outcomes, List<Sample> samples, List<string> lost, int raced, TimeSpan elapsed)
    {
        var main = MainTraffic(samples).ToList();
        var faultWindows = outcomes.Select(o => (o.KillMs, o.RestartMs)).ToList();
        var baseline = main.Where(s => !faultWindows.Any(w => s.StartMs >= w.KillMs && s.StartMs < w.RestartMs + MaxRecovery.TotalMilliseconds)).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## Faults under load ({options.Workers} request loops, {Traffic.RequestDeadline.TotalSeconds:0} s client deadline per request, each fault held {options.Hold.TotalSeconds:0} s; run took {elapsed.TotalSeconds:0} s)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Traffic: `GET /api/hello` with a cached token and `GET /public/hello` alternately through DCP's balancer (127.0.0.1, connections recycled every second); an uncached, well-formed token every 0.5 s; one `POST /auth/register` per second. Outside the fault windows and their recovery: {baseline.Count} requests ({Stats.StatusCounts(baseline)}), latency p50 / p99 / max {Stats.Latency(baseline)} ms.");
        text.AppendLine();
        text.Row("fault", "killed (SIGKILL)", "kill → seen stopped s", "requests during fault", "by status (cached token / anonymous)", "p50 / p99 / max ms", "over 2 s / past 6 s deadline", "uncached-token probes", "registrations", "restart → healthy s", "restart → recovered s", "errors after restart");
        text.Row("---", "---", "---:", "---:", "---", "---", "---:", "---", "---", "---:", "---:", "---:");
        foreach (var o in outcomes)
        {
            var window = samples.Where(s => s.StartMs >= o.KillMs && s.StartMs < o.RestartMs).ToList();
            var windowMain = MainTraffic(window).ToList();
            var after = MainTraffic(samples).Where(s => s.StartMs >= o.RestartMs && s.StartMs < (o.RecoveredMs ?? o.ObservedUntilMs)).ToList();
            text.Row(
                o.ResourceId,
                o.Killed,
                Stats.Seconds(o.StoppedMs - o.KillMs),
                windowMain.Count,
                $"{Stats.StatusCounts(windowMain.Where(s => s.Route == RouteKind.Authenticated))} / {Stats.StatusCounts(windowMain.Where(s => s.Route == RouteKind.Anonymous))}",
                Stats.Latency(windowMain),
                $"{windowMain.Count(s => s.LatencyMs > Traffic.SlowMs)} / {windowMain.Count(s => s.Status == Sample.DeadlineExceeded)}",
                Probes(window.Where(s => s.Route == RouteKind.Uncached)),
                Stats.StatusCounts(window.Where(s => s.Route == RouteKind.Register)),
                Stats.Seconds(o.HealthyMs - o.RestartMs),
                Stats.Seconds(o.RecoveredMs - o.RestartMs),
                after.Count(s => !s.Ok));
        }

        text.AppendLine();
        text.AppendLine("### Promises");
        text.AppendLine();
        text.Row("fault", "promise", "kept?");
        text.Row("---", "---", "---");
        foreach (var o in outcomes)
        {
            var window = samples.Where(s => s.StartMs >= o.KillMs && s.StartMs < o.RestartMs).ToList();
            text.Row(o.ResourceId, o.Fault.Promise, Verdict(o, window, lost));
        }

        var acknowledged = samples.Count(s => s.Route == RouteKind.Register && s.Ok);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Data: {acknowledged} registrations acknowledged (201) over the whole run, {lost.Count} of them missing from PostgreSQL after the run (lost: {(lost.Count == 0 ? "none" : string.Join(", ", lost))}); {raced} failed registrations were committed anyway (the commit raced the crash; not a loss). PostgreSQL ran with fsync on (durable data directory).");
        text.AppendLine();
        text.AppendLine("Columns: *requests during fault* are those started between the kill and the restart command; *restart → recovered* is the time from the restart command to the end of the last failed request that is followed by 2 s of error-free traffic (0.0: no error after the restart); *errors after restart* are the failed requests in that interval. `conn-error` is a refused or reset connection, `deadline` a request that got no answer within the client's 6 s deadline (above the gateway's own 5 s backend timeout).");
        return text.ToString();
    }

    private static string Probes(IEnumerable<Sample> probes)
    {
        var list = probes.ToList();
        return list.Count == 0 ? "—" : $"{Stats.StatusCounts(list)}; with Retry-After {list.Count(p => p.RetryAfter)}";
    }

    private static string Verdict(Outcome o, List<Sample> window, List<string> lost)
    {
        var main = MainTraffic(window).ToList();
        var cached = main.Where(s => s.Route == RouteKind.Authenticated).ToList();
        var anonymous = main.Where(s => s.Route == RouteKind.Anonymous).ToList();
        var probes = window.Where(s => s.Route == RouteKind.Uncached).ToList();
        var problems = new List<string>();
        void Expect(bool condition, string problem)
        {
            if (!condition)
            {
                problems.Add(problem);
            }
        }

        var pastDeadline = main.Count(s => s.Status == Sample.DeadlineExceeded);
        Expect(pastDeadline == 0, $"{pastDeadline} requests past the deadline");
        Expect(o.RecoveredMs is not null, "not recovered within 30 s of the restart");
        switch (o.Fault.Name)
        {
            case "redis":
            case "proxy":
                Expect(main.All(s => s.Ok), $"{main.Count(s => !s.Ok)} failed requests ({Stats.StatusCounts(main.Where(s => !s.Ok))})");
                break;
            case "auth":
            case "postgres":
                Expect(cached.All(s => s.Ok), $"{cached.Count(s => !s.Ok)} cached-token requests failed ({Stats.StatusCounts(cached.Where(s => !s.Ok))})");
                Expect(anonymous.All(s => s.Ok), $"{anonymous.Count(s => !s.Ok)} anonymous requests failed ({Stats.StatusCounts(anonymous.Where(s => !s.Ok))})");
                Expect(probes.Count > 0 && probes.All(p => p.Status == 503 && p.RetryAfter), $"uncached probes: {Stats.StatusCounts(probes)}, {probes.Count(p => p.RetryAfter)} with Retry-After");
                if (o.Fault.Name == "postgres")
                {
                    Expect(lost.Count == 0, $"{lost.Count} acknowledged registrations lost");
                }

                break;
            case "sampleapi":
                Expect(main.All(s => s.Ok || s.Status is 502 or 503 or 504), $"failures other than 502/503/504: {Stats.StatusCounts(main.Where(s => !s.Ok && s.Status is not (502 or 503 or 504)))}");
                break;
        }

        return problems.Count == 0 ? "yes" : "**no**: " + string.Join("; ", problems);
    }
}

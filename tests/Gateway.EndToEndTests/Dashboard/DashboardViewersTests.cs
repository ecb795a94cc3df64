using System.Globalization;
using System.Net.ServerSentEvents;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Dashboard;

/// <summary>
/// Many viewers share one aggregation loop: fifty concurrent streams all keep receiving frames.
/// The dashboard process's CPU time is measured and reported (not asserted: timing belongs to
/// benchmarks, not tests).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class DashboardViewersTests(GatewayAppFixture fixture, ITestOutputHelper output)
{
    private const int Viewers = 50;
    private const int FramesEach = 8;

    [Fact]
    public async Task FiftyConcurrentViewers_EveryOneKeepsReceivingFrames()
    {
        using var session = DashboardSession.Anonymous(fixture.App);
        await session.SignInWithOperatorKeyAsync(fixture.App);
        var pid = await DashboardProcessIdAsync();

        // Warm-up (JIT of the stream path), not measured.
        await ReadFramesAsync(session.Client, 3);

        var idleStart = CpuTime(pid);
        var idleClock = System.Diagnostics.Stopwatch.StartNew();
        await ReadFramesAsync(session.Client, FramesEach);
        var idleCpu = CpuTime(pid) - idleStart;
        var idleSeconds = idleClock.Elapsed.TotalSeconds;

        var busyStart = CpuTime(pid);
        var busyClock = System.Diagnostics.Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = await Task.WhenAll(Enumerable.Range(0, Viewers).Select(_ => ReadFramesAsync(session.Client, FramesEach, cts.Token)));
        var busyCpu = CpuTime(pid) - busyStart;
        var busySeconds = busyClock.Elapsed.TotalSeconds;

        Assert.All(received, frames =>
        {
            Assert.Equal(FramesEach, frames.Count);
            // Consecutive, increasing frame ids: each viewer saw the stream advance.
            Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second > p.First), "frame ids increase");
        });

        // Reported, not asserted; also kept as a test artifact next to the dashboard screenshot.
        var report = string.Format(
            CultureInfo.InvariantCulture,
            "Dashboard CPU: 1 viewer {0:F0} ms over {1:F1} s ({2:F1}% of a core); {3} viewers {4:F0} ms over {5:F1} s ({6:F1}% of a core); every viewer got {7} consecutive frames.",
            idleCpu.TotalMilliseconds, idleSeconds, 100 * idleCpu.TotalSeconds / idleSeconds,
            Viewers, busyCpu.TotalMilliseconds, busySeconds, 100 * busyCpu.TotalSeconds / busySeconds, FramesEach);
        output.WriteLine(report);
        var artifact = Path.Combine(TestPaths.RepositoryRoot(), "TestResults", "dashboard-viewers.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
        await File.WriteAllTextAsync(artifact, report + Environment.NewLine);
    }

    /// <summary>Opens one stream and reads until <paramref name="frames"/> frame events arrived; returns their ids.</summary>
    private static async Task<List<long>> ReadFramesAsync(HttpClient client, int frames, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync("/api/stream", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        var ids = new List<long>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cts.Token))
        {
            if (item.EventType == "frame")
            {
                ids.Add(long.Parse(item.EventId!, CultureInfo.InvariantCulture));
                if (ids.Count == frames)
                {
                    break;
                }
            }
        }

        return ids;
    }

    /// <summary>The dashboard application's process (the child of DCP's <c>dotnet run</c>).</summary>
    private async Task<int> DashboardProcessIdAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var resource = await fixture.App.ResourceNotifications.WaitForResourceAsync(
            "dashboard", e => e.Snapshot.Properties.Any(p => p.Name == "executable.pid"), cts.Token);
        var wrapper = Convert.ToInt32(resource.Snapshot.Properties.First(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);
        var children = File.ReadAllText($"/proc/{wrapper}/task/{wrapper}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Length > 0 ? int.Parse(children[0], CultureInfo.InvariantCulture) : wrapper;
    }

    /// <summary>User + system CPU time of a process, from /proc (clock ticks of 10 ms).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}

using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Gateway.EndToEndTests.Reliability;

/// <summary>
/// Real crashes of Aspire resources: finds the server process behind a resource and SIGKILLs it.
/// The stop command is a clean shutdown; a crash is what these helpers are for. Linux only (/proc).
/// Also compiled into chaos/Gateway.Chaos, so it depends on Aspire.Hosting alone, not on xunit.
/// </summary>
internal static class ResourceProcesses
{
    private static readonly string[] StoppedStates = [KnownResourceStates.Exited, KnownResourceStates.Finished, KnownResourceStates.FailedToStart];

    /// <summary>The pid DCP started for the resource (<c>dotnet run</c> for projects, <c>bash</c> for our scripts).</summary>
    public static int? LauncherPid(CustomResourceSnapshot snapshot)
    {
        var value = snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        return value is null ? null : int.Parse(Convert.ToString(value, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The process that does the work: the launcher's child whose command line contains
    /// <paramref name="commandLineMarker"/>. Killing the launcher instead would orphan it (for
    /// projects) or only end the wrapper script (for Redis and PostgreSQL).
    /// </summary>
    public static int? ServerPid(int launcherPid, string commandLineMarker) =>
        Children(launcherPid).Cast<int?>().FirstOrDefault(pid => CommandLine(pid!.Value).Contains(commandLineMarker, StringComparison.Ordinal));

    /// <summary>
    /// SIGKILLs <paramref name="pid"/> and all its descendants. The root is frozen first so that it
    /// cannot fork a new child (a PostgreSQL backend) between listing its children and the kill.
    /// </summary>
    public static void KillTree(int pid)
    {
        Signal("STOP", [pid]);
        var victims = new List<int>();
        var pending = new Stack<int>([pid]);
        while (pending.TryPop(out var next))
        {
            victims.Add(next);
            foreach (var child in Children(next))
            {
                pending.Push(child);
            }
        }

        Signal("KILL", victims);
    }

    public static IReadOnlyList<int> Children(int pid)
    {
        var children = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                var text = File.ReadAllText(Path.Combine(task, "children"));
                children.AddRange(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process (or one of its threads) is gone: it has no children any more.
        }

        return children;
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>Waits for the resource (or replica, by resource id) to be stopped after a crash.</summary>
    public static Task<ResourceEvent> WaitForStoppedAsync(DistributedApplication app, string resourceId, CancellationToken cancellationToken) =>
        WaitForAsync(app, resourceId, e => StoppedStates.Contains(e.Snapshot.State?.Text), cancellationToken);

    /// <summary>
    /// Waits for a fresh start: running, healthy, and a launcher pid other than
    /// <paramref name="oldLauncherPid"/> (a stale "Healthy" of the killed process must not count).
    /// </summary>
    public static Task<ResourceEvent> WaitForRestartedAsync(DistributedApplication app, string resourceId, int? oldLauncherPid, CancellationToken cancellationToken) =>
        WaitForAsync(
            app,
            resourceId,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running
                && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                && LauncherPid(e.Snapshot) is { } pid && pid != oldLauncherPid,
            cancellationToken);

    /// <summary>Matches on the resource id, or on the name for a resource with one instance.</summary>
    public static async Task<ResourceEvent> WaitForAsync(DistributedApplication app, string resourceId, Func<ResourceEvent, bool> predicate, CancellationToken cancellationToken)
    {
        await foreach (var resourceEvent in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if ((resourceEvent.ResourceId == resourceId || resourceEvent.Resource.Name == resourceId) && predicate(resourceEvent))
            {
                return resourceEvent;
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    private static void Signal(string signal, IReadOnlyCollection<int> pids)
    {
        var startInfo = new ProcessStartInfo("kill") { RedirectStandardError = true };
        startInfo.ArgumentList.Add($"-{signal}");
        foreach (var pid in pids)
        {
            startInfo.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("kill did not start.");
        process.StandardError.ReadToEnd();
        process.WaitForExit();

        // A process that exited on its own meanwhile makes kill fail for that pid only: not an error.
    }
}

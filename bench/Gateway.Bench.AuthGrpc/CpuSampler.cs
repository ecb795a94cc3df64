using System.Globalization;

namespace Gateway.Bench.AuthGrpc;

/// <summary>CPU time of the server processes and of the server core, from <c>/proc</c> (Linux only).</summary>
internal sealed class CpuSampler(BenchOptions options)
{
    /// <summary>
    /// <c>/proc</c> counts CPU time in USER_HZ ticks, which the kernel's user-space ABI fixes at 100
    /// per second (it does not follow the kernel's own HZ).
    /// </summary>
    public const double MicrosecondsPerTick = 1_000_000.0 / 100;

    /// <summary>user+system ticks of each server's process tree, then of the server core (-1 when not known).</summary>
    public CpuSample Sample(IReadOnlyList<ServerProcess> processes)
    {
        var servers = new long[processes.Count];
        for (var i = 0; i < servers.Length; i++)
        {
            servers[i] = TreeTicks(processes[i].Pid);
        }

        return new CpuSample(servers, options.ServerCpu is { } cpu ? CoreBusyTicks(cpu) : -1);
    }

    /// <summary>
    /// A process and its descendants as they are now. PostgreSQL serves each connection from a
    /// child process: the pool's connections live through a measurement, so their CPU is counted.
    /// </summary>
    private static long TreeTicks(int pid)
    {
        var total = ProcessTicks(pid);
        foreach (var child in Children(pid))
        {
            total += TreeTicks(child);
        }

        return total;
    }

    private static long ProcessTicks(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            // A connection process that just exited: its time is lost either way.
            return 0;
        }

        // The command name (field 2) may contain spaces; fields after it are space-separated.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime, stime, cutime and cstime are fields 14 to 17 of proc(5); fields[0] is field 3.
        // cutime/cstime hold the time of children that exited and were waited for (a PostgreSQL
        // backend or autovacuum worker ending mid-measurement), which would otherwise vanish from
        // the tree's total and make a measurement negative.
        long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
        return Field(11) + Field(12) + Field(13) + Field(14);
    }

    private static IEnumerable<int> Children(int pid)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var task in tasks)
        {
            string children;
            try
            {
                children = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return int.Parse(child, CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>Busy ticks of one CPU: user, nice, system, irq, softirq, steal (as bench/run.sh counts them).</summary>
    private static long CoreBusyTicks(int cpu)
    {
        var prefix = $"cpu{cpu.ToString(CultureInfo.InvariantCulture)} ";
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                long Field(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
                return Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
            }
        }

        return -1;
    }
}

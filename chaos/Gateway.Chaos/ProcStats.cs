using System.Globalization;

namespace Gateway.Chaos;

/// <summary>Memory, threads and open descriptors of a process, from /proc.</summary>
internal readonly record struct ProcStats(double RssMiB, int Threads, int Fds, bool Alive)
{
    public static ProcStats Read(int pid)
    {
        try
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            return new ProcStats(Field(status, "VmRSS:") / 1024, (int)Field(status, "Threads:"), Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length, Alive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ProcStats(0, 0, 0, Alive: false);
        }
    }

    /// <summary>
    /// A whole process tree (PostgreSQL: postmaster and backends): proportional set size, so shared
    /// buffers are not counted once per backend; "threads" is the number of processes.
    /// </summary>
    public static ProcStats ReadTree(int pid)
    {
        var pids = new List<int>();
        var pending = new Stack<int>([pid]);
        while (pending.TryPop(out var next))
        {
            pids.Add(next);
            foreach (var child in Gateway.EndToEndTests.Reliability.ResourceProcesses.Children(next))
            {
                pending.Push(child);
            }
        }

        double pss = 0;
        var fds = 0;
        var alive = 0;
        foreach (var p in pids)
        {
            try
            {
                pss += Field(File.ReadAllLines($"/proc/{p}/smaps_rollup"), "Pss:") / 1024;
                fds += Directory.GetFileSystemEntries($"/proc/{p}/fd").Length;
                alive++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A backend that exited meanwhile.
            }
        }

        return new ProcStats(pss, alive, fds, alive > 0);
    }

    private static double Field(string[] lines, string name)
    {
        var line = lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) ?? throw new IOException($"{name} missing");
        return double.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}

using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Report;

/// <summary>bench/dashboard-viewers.sh's table: the dashboard's CPU with no viewer and with N, and the fewest frames a viewer got.</summary>
internal static class ViewersTable
{
    public static string Build(int viewers, int seconds, long idleMs, long busyMs, int fewestFrames)
    {
        string Share(long ms) => (100.0 * ms / (seconds * 1000.0)).ToString("F1", CultureInfo.InvariantCulture) + "%";
        var table = new MarkdownTable()
            .Column("viewers").Column($"dashboard CPU over {seconds} s").Column("share of one core")
            .Row("0", $"{idleMs} ms", Share(idleMs))
            .Row(viewers.ToString(CultureInfo.InvariantCulture), $"{busyMs} ms", Share(busyMs));
        return $"{table}\n\nEvery viewer received at least {fewestFrames} frames in {seconds + 5} s.";
    }
}

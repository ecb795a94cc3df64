using System.Diagnostics;

namespace Gateway.Bench.Tenants;

internal static class Percentiles
{
    /// <summary>Nearest-rank percentile of sorted Stopwatch ticks, in milliseconds (NaN when empty).</summary>
    public static double Milliseconds(long[] sortedTicks, double percentile)
    {
        if (sortedTicks.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(percentile * sortedTicks.Length);
        return sortedTicks[Math.Clamp(rank - 1, 0, sortedTicks.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }

    public static long[] Sorted(IEnumerable<LatencyLog> logs)
    {
        var all = new long[logs.Sum(l => l.Count)];
        var offset = 0;
        foreach (var log in logs)
        {
            log.Ticks.CopyTo(all.AsSpan(offset));
            offset += log.Count;
        }

        Array.Sort(all);
        return all;
    }
}

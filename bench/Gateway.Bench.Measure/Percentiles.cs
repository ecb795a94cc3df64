using System.Diagnostics;

namespace Gateway.Bench.Measure;

/// <summary>
/// Exact percentiles of recorded samples (nearest rank), the one implementation bench/ and chaos/
/// use. Samples are kept, not bucketed: a benchmark's p99 is compared to another's within a
/// millisecond, finer than a histogram layout such as the dashboard's (±12%) resolves.
/// </summary>
public static class Percentiles
{
    /// <summary>The nearest-rank <paramref name="quantile"/> (0..1) of sorted values; NaN when empty.</summary>
    public static double NearestRank<T>(ReadOnlySpan<T> sorted, double quantile)
        where T : IConvertible
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)].ToDouble(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The nearest-rank percentile of sorted <see cref="Stopwatch"/> ticks, in milliseconds; NaN when empty.</summary>
    public static double Milliseconds(ReadOnlySpan<long> sortedTicks, double quantile) =>
        NearestRank(sortedTicks, quantile) * 1000.0 / Stopwatch.Frequency;

    /// <summary>All samples of several recorders in one sorted array.</summary>
    public static long[] Sorted(IEnumerable<ReadOnlyMemory<long>> parts)
    {
        var list = parts.ToList();
        var all = new long[list.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in list)
        {
            part.Span.CopyTo(all.AsSpan(offset));
            offset += part.Length;
        }

        Array.Sort(all);
        return all;
    }

    /// <summary>The median of values (the mean of the middle two for an even count); NaN when empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}

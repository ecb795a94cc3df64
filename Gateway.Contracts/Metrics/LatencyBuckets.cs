using System.Numerics;

namespace Gateway.Contracts.Metrics;

/// <summary>
/// The latency histogram layout shared by recorder and aggregator: log-linear buckets, four per
/// power of two of microseconds (each at most 25% wide, so a percentile read from it is within
/// ~12% of the true value), from 16 µs to 2^26 µs (~67 s). Bucket 0 holds everything faster than
/// 16 µs, the last bucket everything slower than 67 s. Computing a bucket is a leading-zero count
/// and a shift: cheap enough for every request.
/// </summary>
public static class LatencyBuckets
{
    private const int SubBucketBits = 2;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int MinExponent = 4;
    private const int MaxExponent = 26;

    /// <summary>Number of buckets, including the under- and overflow buckets.</summary>
    public const int Count = ((MaxExponent - MinExponent) * SubBuckets) + 2;

    public static int IndexOf(double seconds)
    {
        // Negative, NaN and sub-16 µs values land in bucket 0.
        var micros = seconds * 1_000_000d;
        if (!(micros >= 1 << MinExponent))
        {
            return 0;
        }

        if (micros >= 1L << MaxExponent)
        {
            return Count - 1;
        }

        var value = (ulong)micros;
        var exponent = 63 - BitOperations.LeadingZeroCount(value);
        var subBucket = (int)(value >> (exponent - SubBucketBits)) & (SubBuckets - 1);
        return ((exponent - MinExponent) * SubBuckets) + subBucket + 1;
    }

    /// <summary>Inclusive lower bound of bucket <paramref name="index"/>, in microseconds.</summary>
    public static double LowerBoundMicros(int index)
    {
        if (index <= 0)
        {
            return 0;
        }

        if (index >= Count - 1)
        {
            return 1L << MaxExponent;
        }

        var exponent = ((index - 1) / SubBuckets) + MinExponent;
        var subBucket = (index - 1) % SubBuckets;
        return (1L << exponent) * (1 + ((double)subBucket / SubBuckets));
    }

    /// <summary>Exclusive upper bound of bucket <paramref name="index"/>, in microseconds.</summary>
    public static double UpperBoundMicros(int index) =>
        index >= Count - 1 ? LowerBoundMicros(index) : LowerBoundMicros(index + 1);

    /// <summary>
    /// The <paramref name="quantile"/> (0..1) of a histogram, in milliseconds, interpolating linearly
    /// inside the bucket it falls in; null when the histogram is empty.
    /// </summary>
    public static double? PercentileMilliseconds(ReadOnlySpan<long> buckets, double quantile)
    {
        long total = 0;
        foreach (var count in buckets)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = Math.Clamp(quantile, 0, 1) * total;
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            if (buckets[i] == 0)
            {
                continue;
            }

            if (seen + buckets[i] >= rank)
            {
                var lower = LowerBoundMicros(i);
                var upper = UpperBoundMicros(i);
                var within = (rank - seen) / buckets[i];
                return (lower + ((upper - lower) * within)) / 1000d;
            }

            seen += buckets[i];
        }

        return UpperBoundMicros(buckets.Length - 1) / 1000d;
    }
}

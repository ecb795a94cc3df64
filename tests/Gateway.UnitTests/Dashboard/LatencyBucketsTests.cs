using Gateway.Contracts.Metrics;

namespace Gateway.UnitTests.Dashboard;

public sealed class LatencyBucketsTests
{
    [Theory]
    [InlineData(0.000_001)]
    [InlineData(0.000_050)]
    [InlineData(0.000_999)]
    [InlineData(0.001)]
    [InlineData(0.0123)]
    [InlineData(0.5)]
    [InlineData(3.7)]
    [InlineData(60)]
    public void EveryValue_FallsInsideItsBucket_WithinAQuarterOfItsValue(double seconds)
    {
        var micros = seconds * 1_000_000;
        var index = LatencyBuckets.IndexOf(seconds);
        Assert.InRange(index, 0, LatencyBuckets.Count - 1);
        Assert.True(LatencyBuckets.LowerBoundMicros(index) <= micros, $"lower bound of {index} above {micros}");
        Assert.True(micros < LatencyBuckets.UpperBoundMicros(index), $"upper bound of {index} not above {micros}");
        if (index > 0)
        {
            Assert.True(LatencyBuckets.UpperBoundMicros(index) - LatencyBuckets.LowerBoundMicros(index) <= 0.25 * micros + 1);
        }
    }

    [Fact]
    public void Bounds_AreContiguousAndIncreasing()
    {
        for (var i = 0; i < LatencyBuckets.Count - 2; i++)
        {
            Assert.Equal(LatencyBuckets.UpperBoundMicros(i), LatencyBuckets.LowerBoundMicros(i + 1));
            Assert.True(LatencyBuckets.LowerBoundMicros(i + 1) > LatencyBuckets.LowerBoundMicros(i));
        }
    }

    [Fact]
    public void Extremes_GoToUnderAndOverflowBuckets()
    {
        Assert.Equal(0, LatencyBuckets.IndexOf(-1));
        Assert.Equal(0, LatencyBuckets.IndexOf(double.NaN));
        Assert.Equal(LatencyBuckets.Count - 1, LatencyBuckets.IndexOf(3600));
        Assert.Equal(LatencyBuckets.Count - 1, LatencyBuckets.IndexOf(double.PositiveInfinity));
    }

    [Fact]
    public void Percentile_OfUniformValues_IsCloseToTheTruth()
    {
        var buckets = new long[LatencyBuckets.Count];
        for (var ms = 1; ms <= 1000; ms++)
        {
            buckets[LatencyBuckets.IndexOf(ms / 1000d)]++;
        }

        Assert.InRange(LatencyBuckets.PercentileMilliseconds(buckets, 0.5)!.Value, 450, 550);
        Assert.InRange(LatencyBuckets.PercentileMilliseconds(buckets, 0.99)!.Value, 940, 1040);
        Assert.Null(LatencyBuckets.PercentileMilliseconds(new long[LatencyBuckets.Count], 0.5));
    }
}

using CsCheck;
using Gateway.Proxy.GrpcCalls;

namespace Gateway.UnitTests.Proxy.GrpcCalls;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("100u", 1_000L)]
    [InlineData("1000n", 10L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    [InlineData("0m", 0L)]
    public void TryParse_WellFormed_IsTheTimeout(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(TimeSpan.FromTicks(ticks), timeout);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("5")]
    [InlineData("5s")]
    [InlineData("5x")]
    [InlineData("-5S")]
    [InlineData("+5S")]
    [InlineData("1.5S")]
    [InlineData(" 5S")]
    [InlineData("123456789S")]
    public void TryParse_Malformed_IsNoTimeout(string? value) => Assert.False(GrpcTimeout.TryParse(value, out _));

    [Theory]
    [InlineData(0L, "1n")]
    [InlineData(1L, "100n")]
    [InlineData(999_999L, "99999900n")]
    [InlineData(1_000_000L, "100000u")]
    [InlineData(30_000_000L, "3000000u")]
    [InlineData(36_000_000_000L, "3600000m")]
    public void Format_FinestUnitThatFits(long ticks, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Format_AnyTimeout_ParsesBackToAtMostIt_LosingAtMostOnePartIn100000()
    {
        Gen.Long[0, TimeSpan.FromDays(3_650).Ticks].Sample(ticks =>
        {
            var value = GrpcTimeout.Format(TimeSpan.FromTicks(ticks));
            Assert.InRange(value.Length, 2, 9);
            Assert.True(GrpcTimeout.TryParse(value, out var parsed), value);
            // Rounded down (the backend gives up no later than the gateway), by less than one unit:
            // a unit is chosen only when the next finer one (at most 1000 times finer) needs more
            // than 8 digits, so it is at most 1/100000 of the value.
            Assert.InRange(parsed.Ticks, ticks - (ticks / 100_000) - 1, ticks);
        }, iter: 5_000);
    }
}

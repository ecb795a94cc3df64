using Gateway.Proxy.GrpcCalls;

namespace Gateway.UnitTests.Proxy.GrpcCalls;

public sealed class GrpcMessageTests
{
    [Theory]
    [InlineData("Rate limit exceeded.", "Rate limit exceeded.")]
    [InlineData("100% used", "100%25 used")]
    [InlineData("café", "caf%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("", "")]
    public void Encode_PercentEncodesUtf8OutsidePrintableAscii(string message, string expected) =>
        Assert.Equal(expected, GrpcMessage.Encode(message));
}

using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// Escaped slashes and backslashes in the request path are refused before anything is forwarded
/// (raw sockets: HttpClient would normalise these paths).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class EscapedSlashTests(GatewayAppFixture fixture) : HostileTestBase(fixture)
{
    [Theory]
    [InlineData("/sink/a%2Fb")]
    [InlineData("/sink/a%2fb")]
    [InlineData("/sink/..%2F..%2Fadmin/echo")]
    [InlineData("/sink/a%5Cb")]
    [InlineData("/sink/a%5cb")]
    [InlineData("/sink/a%252Fb")]
    [InlineData("/sink/a%255Cb")]
    [InlineData("/public/..%2Fadmin/echo")]
    [InlineData("/public/..%5Cadmin/echo")]
    [InlineData("/sink/a%2Fb?x=1")]
    public async Task EscapedSlashInThePath_400Problem_NothingForwarded(string target)
    {
        await using var sink = new SinkListener(Fixture.SinkPort);

        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(71, 1), RawHttp.Request("GET", target, []));

        Assert.Equal(400, response?.Status);
        Assert.StartsWith("application/problem+json", response!.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Contains("escaped slash", response.BodyText, StringComparison.Ordinal);
        Assert.Equal(0, sink.Requests);
    }

    [Theory]
    [InlineData("/sink/a\\b")]
    [InlineData("/public\\..\\admin/echo")]
    public async Task RawBackslashInThePath_400_NothingForwarded(string target)
    {
        await using var sink = new SinkListener(Fixture.SinkPort);

        var response = await RawHttp.SendAsync(ProxyPort(1), SourceAddress(71, 2), RawHttp.Request("GET", target, []));

        Assert.Equal(400, response?.Status);
        Assert.Equal(0, sink.Requests);
    }

    /// <summary>The control: other escapes and an escaped slash in the query are forwarded as they are.</summary>
    [Fact]
    public async Task OtherEscapesAndEscapedSlashInTheQuery_Forwarded()
    {
        await using var sink = new SinkListener(Fixture.SinkPort);

        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(71, 3), RawHttp.Request("GET", "/sink/a%20b?next=%2Fadmin%5C", []));

        Assert.Equal(200, response?.Status);
        Assert.StartsWith("GET /sink/a%20b?next=%2Fadmin%5C ", Assert.Single(sink.Heads), StringComparison.Ordinal);
    }
}

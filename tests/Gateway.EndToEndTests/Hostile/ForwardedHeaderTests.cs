using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// Client-sent headers that backends must not see (client-address claims, URL rewrites, method
/// overrides, proxy-chain headers), checked on the bytes the proxy forwards to the sink.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class ForwardedHeaderTests(GatewayAppFixture fixture) : HostileTestBase(fixture)
{
    public static TheoryData<string, string> Stripped => new()
    {
        { "True-Client-IP", "6.6.6.6" },
        { "CF-Connecting-IP", "6.6.6.6" },
        { "X-Client-IP", "6.6.6.6" },
        { "X-Original-URL", "/admin/echo" },
        { "X-Rewrite-URL", "/admin/echo" },
        { "X-HTTP-Method-Override", "DELETE" },
        { "X-HTTP-Method", "DELETE" },
        { "X-Method-Override", "DELETE" },
        { "X-Real-IP", "6.6.6.6" },
        { "Forwarded", "for=6.6.6.6;proto=https;host=evil.example" },
        { "X-Forwarded-Prefix", "/admin" },
        { "X-Forwarded-Port", "443" },
    };

    [Theory]
    [MemberData(nameof(Stripped))]
    public async Task ClientSentHeader_InAnySpelling_NeverReachesTheBackend(string name, string value)
    {
        await using var sink = new SinkListener(Fixture.SinkPort);
        var marker = NewSecret("marker");
        (string, string)[] headers =
        [
            (name, value), (name.ToLowerInvariant(), marker), (name.Replace('-', '_'), marker), (name.ToUpperInvariant().Replace('-', '_'), marker),
            ("X-Note", marker), // not stripped: proves the sink sees client headers at all
        ];

        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(70, 1), RawHttp.Request("GET", "/sink/headers", headers));

        Assert.Equal(200, response?.Status);
        var head = new SinkHead(Assert.Single(sink.Heads));
        Assert.Empty(head.Values(name));
        Assert.Equal([marker], head.Values("X-Note"));
        Assert.Equal(1, head.Headers.Count(h => h.Value.Contains(marker, StringComparison.Ordinal)));
        Assert.StartsWith("GET /sink/headers ", head.RequestLine, StringComparison.Ordinal);
    }

    /// <summary>
    /// From a trusted proxy, entries a client wrote in front of the chain used to be forwarded:
    /// the backend now gets only the address the gateway resolved (the right-most untrusted one).
    /// </summary>
    [Fact]
    public async Task TrustedProxyChain_BackendGetsOnlyTheResolvedClientAndTheProxysProtoAndHost()
    {
        await using var sink = new SinkListener(Fixture.SinkPort);
        (string, string)[] headers =
        [
            ("X-Forwarded-For", "6.6.6.6, 203.0.113.9"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "gateway.example"),
        ];

        var response = await RawHttp.SendAsync(ProxyPort(1), GatewayAppFixture.TrustedProxyAddress, RawHttp.Request("GET", "/sink/chain", headers));

        Assert.Equal(200, response?.Status);
        var head = new SinkHead(Assert.Single(sink.Heads));
        Assert.Equal(["203.0.113.9"], head.Values("X-Forwarded-For"));
        Assert.Equal(["https"], head.Values("X-Forwarded-Proto"));
        Assert.Equal(["gateway.example"], head.Values("X-Forwarded-Host"));
    }

    [Fact]
    public async Task UntrustedClientChain_BackendGetsTheSocketAddressAndTheGatewaysOwnProtoAndHost()
    {
        await using var sink = new SinkListener(Fixture.SinkPort);
        (string, string)[] headers =
        [
            ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"),
        ];

        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(70, 2), RawHttp.Request("GET", "/sink/chain", headers));

        Assert.Equal(200, response?.Status);
        var head = new SinkHead(Assert.Single(sink.Heads));
        Assert.Equal([SourceAddress(70, 2).ToString()], head.Values("X-Forwarded-For"));
        Assert.Equal(["http"], head.Values("X-Forwarded-Proto"));
        Assert.Equal(["localhost"], head.Values("X-Forwarded-Host"));
    }
}

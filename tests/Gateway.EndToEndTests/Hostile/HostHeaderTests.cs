using System.Globalization;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// <c>AllowedHosts</c>: the proxy answers only to its own host names (run mode: loopback names);
/// any other <c>Host</c> gets a 400 problem and nothing is forwarded. The health endpoints answer
/// whatever the <c>Host</c> (orchestrators probe by IP or service name).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class HostHeaderTests(GatewayAppFixture fixture) : HostileTestBase(fixture)
{
    [Theory]
    [InlineData("evil.example")]
    [InlineData("localhost.evil.example")]
    [InlineData("127.0.0.2")]
    [InlineData("10.0.0.7:8080")]
    public async Task DisallowedHost_400Problem_NothingForwarded(string host)
    {
        await using var sink = new SinkListener(Fixture.SinkPort);

        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(72, 1), RawHttp.Request("GET", "/sink/host", [], host: host));

        Assert.Equal(400, response?.Status);
        Assert.StartsWith("application/problem+json", response!.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal(0, sink.Requests);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("proxy.localhost")]
    public async Task LoopbackHostNames_Served(string host)
    {
        var withPort = $"{host}:{ProxyPort(1).ToString(CultureInfo.InvariantCulture)}";

        var response = await RawHttp.SendAsync(ProxyPort(1), SourceAddress(72, 2), RawHttp.Request("GET", "/public/hello", [], host: withPort));

        Assert.Equal(200, response?.Status);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task HealthEndpoints_AnyHost_Served(string path)
    {
        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(72, 3), RawHttp.Request("GET", path, [], host: "10.0.0.7:8080"));

        Assert.Equal(200, response?.Status);
    }
}

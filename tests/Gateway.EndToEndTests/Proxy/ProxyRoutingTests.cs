using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Proxy;

[Collection(GatewayAppCollection.Name)]
public sealed class ProxyRoutingTests(GatewayAppFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Get_SampleRouteThroughProxy_ReturnsBackendResponse()
    {
        using var client = fixture.App.CreateHttpClient("proxy", "http");

        using var response = await client.GetAsync("/public/hello").WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<HelloBody>().WaitAsync(Timeout);
        Assert.Equal("Hello from the sample API", body?.Message);
    }

    [Fact]
    public async Task Get_EveryProxyReplica_ForwardsToBackend()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var replicas = await ResourceReplicas.WaitForAllHealthyAsync(fixture.App, "proxy", expected: 2, cts.Token);

        foreach (var replica in replicas)
        {
            using var client = new HttpClient { BaseAddress = ResourceReplicas.HttpAddress(replica) };
            using var response = await client.GetAsync("/public/hello", cts.Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{replica.ResourceId} answered {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Get_UnknownRoute_ReturnsProblemDetails404()
    {
        using var client = fixture.App.CreateHttpClient("proxy", "http");

        using var response = await client.GetAsync("/no-such-route").WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private sealed record HelloBody(string Message, string Instance);
}

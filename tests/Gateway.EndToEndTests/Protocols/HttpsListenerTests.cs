using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.Protocols;

/// <summary>
/// The listeners the AppHost gives the proxy and the dashboard, through DCP's endpoint in front of
/// the replicas as a user reaches them: HTTPS with HTTP/2 by ALPN (HTTP/1.1 still served) with the
/// certificate the AppHost created, and the proxy's opt-in HTTP/2 cleartext listener.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class HttpsListenerTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    [Fact]
    public async Task ProxyHttps_Http2ByAlpn_ServesTheFullChainWithTheAppHostsCertificate()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        using var client = TlsClients.Http2(Fixture.ServerCertificate, Fixture.App.GetEndpoint("proxy", "https"));

        using var anonymous = await client.GetAsync("/public/hello");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/echo") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
        using var authenticated = await client.SendAsync(request);
        using var refused = await client.GetAsync("/api/echo");

        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        Assert.Equal(HttpVersion.Version20, anonymous.Version);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.Equal(HttpVersion.Version20, authenticated.Version);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        // The backend is told the client came over HTTPS.
        var echo = await authenticated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("https", Header(echo, "X-Forwarded-Proto"));
    }

    [Fact]
    public async Task ProxyHttps_Http11StillServed()
    {
        using var client = new HttpClient(TlsClients.Handler(Fixture.ServerCertificate)) { BaseAddress = Fixture.App.GetEndpoint("proxy", "https") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/public/hello") { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
    }

    [Fact]
    public async Task ProxyH2c_PriorKnowledgeHttp2_IsServed()
    {
        using var client = new HttpClient
        {
            BaseAddress = Fixture.App.GetEndpoint("proxy", "h2c"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.GetAsync("/public/hello");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    /// <summary>The plain listener stays HTTP/1.1 only: prior-knowledge HTTP/2 there is refused, not half-served.</summary>
    [Fact]
    public async Task ProxyHttp_PriorKnowledgeHttp2_IsNotServed()
    {
        using var client = new HttpClient
        {
            BaseAddress = Fixture.App.GetEndpoint("proxy", "http"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(15),
        };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/public/hello"));
    }

    [Fact]
    public async Task DashboardHttps_SignInPageOverHttp2()
    {
        using var client = TlsClients.Http2(Fixture.ServerCertificate, Fixture.App.GetEndpoint("dashboard", "https"));

        using var response = await client.GetAsync("/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    private static string? Header(JsonElement echo, string name) =>
        echo.GetProperty("headers").EnumerateObject()
            .Where(header => string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase))
            .Select(header => header.Value.GetString())
            .FirstOrDefault();
}

using System.Net;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// One client is one bucket everywhere: clients behind a trusted proxy are told apart by
/// <c>X-Forwarded-For</c>, and every address of one IPv6 /64 is the same client, for the route
/// limits and the failed-credential budget alike (login throttling: <see cref="LoginAbuseTests"/>).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class ClientGroupingTests(GatewayAppFixture fixture) : HostileTestBase(fixture)
{
    /// <summary>The anonymous test route <c>/rl/ip/...</c>: 5 per minute per client (GatewayAppFixture).</summary>
    private const int IpRouteLimit = 5;

    [Fact]
    public async Task PerAddressRouteLimit_AddressesOfOneSlash64_ShareIt_AnotherSlash64HasItsOwn()
    {
        using var balancer = SourceAddressClient.Create(Logs.ProxyReplicas[0].Address, GatewayAppFixture.TrustedProxyAddress);
        var network = RandomSlash64();

        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= IpRouteLimit + 3; i++)
        {
            using var response = await balancer.SendAsync(Forwarded(ProxyReplicas.Get("/rl/ip/hello"), $"{network}::{i:x}"));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(IpRouteLimit, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));

        using var other = await balancer.SendAsync(Forwarded(ProxyReplicas.Get("/rl/ip/hello"), $"{RandomSlash64()}::1"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task PerAddressRouteLimit_TwoIPv4ClientsBehindTheTrustedProxy_SeparateBuckets()
    {
        using var balancer = SourceAddressClient.Create(Logs.ProxyReplicas[1].Address, GatewayAppFixture.TrustedProxyAddress);
        var first = $"198.51.{Random.Shared.Next(0, 255)}.{Random.Shared.Next(1, 255)}";
        var second = $"203.0.{Random.Shared.Next(0, 255)}.{Random.Shared.Next(1, 255)}";

        foreach (var client in new[] { first, second })
        {
            for (var i = 0; i < IpRouteLimit; i++)
            {
                using var response = await balancer.SendAsync(Forwarded(ProxyReplicas.Get("/rl/ip/hello"), client));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            using var over = await balancer.SendAsync(Forwarded(ProxyReplicas.Get("/rl/ip/hello"), client));
            Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        }
    }

    [Fact]
    public async Task FailedCredentialBudget_SprayFromManyAddressesOfOneSlash64_IsOneBudget()
    {
        using var balancer = SourceAddressClient.Create(Logs.ProxyReplicas[0].Address, GatewayAppFixture.TrustedProxyAddress);
        var network = RandomSlash64();

        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= GatewayAppFixture.FailedCredentialBudget + 20; i++)
        {
            // A different address of the /64 for every guess (2^64 of them to choose from).
            using var response = await balancer.SendAsync(Forwarded(ProxyReplicas.Get("/gateway/diagnostics", HostileGen.RandomToken()), $"{network}:{i:x}::{i:x}"));
            statuses.Add(response.StatusCode);
        }

        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), 1, GatewayAppFixture.FailedCredentialBudget);
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 20);

        using var other = await balancer.SendAsync(Forwarded(ProxyReplicas.Get("/gateway/diagnostics", HostileGen.RandomToken()), $"{RandomSlash64()}::1"));
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
    }

    private static HttpRequestMessage Forwarded(HttpRequestMessage request, string client)
    {
        request.Headers.Add("X-Forwarded-For", client);
        return request;
    }

    private static string RandomSlash64() => $"2001:db8:{Random.Shared.Next(1, 0xffff):x}:{Random.Shared.Next(1, 0xffff):x}";
}

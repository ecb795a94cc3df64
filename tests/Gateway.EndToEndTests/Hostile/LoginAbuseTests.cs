using System.Net;
using System.Net.Http.Json;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// Password guessing through the gateway's own <c>POST /auth/login</c>, as clients on different
/// addresses (and behind a trusted proxy) send it: a guesser slows down only itself.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class LoginAbuseTests(GatewayAppFixture fixture) : HostileTestBase(fixture)
{
    [Fact]
    public async Task HundredWrongPasswordsFromA_RightPasswordFromB_SignsIn()
    {
        var (userName, password, _) = await AuthClients.NewLoggedInUserAsync();
        var proxy = Logs.ProxyReplicas[0].Address;
        using var guesser = SourceAddressClient.Create(proxy, SourceAddress(101, 1));
        using var owner = SourceAddressClient.Create(proxy, SourceAddress(101, 2));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 100; i++)
        {
            using var response = await guesser.PostAsJsonAsync("/auth/login", new { userName, password = "wrong-" + i });
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"got {(int)s}"));
        // Five checks, plus one each time the doubling back-off (5 s, 10 s, 20 s ... in these tests)
        // runs out while the hundred are still being sent (with a 1 s base a loaded 2-core machine
        // saw 6). Ten still fails a throttle that lets the guesses through.
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), 1, 10);

        using var signIn = await owner.PostAsJsonAsync("/auth/login", new { userName, password });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }

    [Fact]
    public async Task FiftyConcurrentWrongPasswords_OneAddress_AtMostFivePasswordChecks()
    {
        var (userName, _, _) = await AuthClients.NewLoggedInUserAsync();
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        using var guesser = SourceAddressClient.Create(Logs.ProxyReplicas[1].Address, SourceAddress(101, 3));

        var before = await StatsAsync(adminToken);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await guesser.PostAsJsonAsync("/auth/login", new { userName, password = "wrong-" + i });
            return response.StatusCode;
        }));
        var after = await StatsAsync(adminToken);

        // The verifications themselves, not the replies: the throttle counts before it verifies.
        // Five, plus one more each time the doubling back-off (5 s, 10 s ... here) runs out while the
        // burst is still being answered (with a 1 s base, a CI run whose burst took over a second
        // saw 6). Ten allows a burst of up to ~155 s and still fails a throttle that lets it through.
        Assert.InRange(after.PasswordVerifications - before.PasswordVerifications, 1, 10);
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), 1, after.PasswordVerifications - before.PasswordVerifications);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"got {(int)s}"));
    }

    [Fact]
    public async Task BehindATrustedProxy_ClientsWithDifferentForwardedFor_ThrottledApart()
    {
        var (userName, password, _) = await AuthClients.NewLoggedInUserAsync();
        using var balancer = SourceAddressClient.Create(Logs.ProxyReplicas[0].Address, GatewayAppFixture.TrustedProxyAddress);

        // Everyone arrives from the balancer's address; X-Forwarded-For tells them apart.
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await LoginAsync(balancer, "198.51.100.101", userName, "wrong-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var guesserAgain = await LoginAsync(balancer, "198.51.100.101", userName, password);
        Assert.Equal(HttpStatusCode.TooManyRequests, guesserAgain.StatusCode);
        Assert.True(guesserAgain.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After");

        using var owner = await LoginAsync(balancer, "198.51.100.102", userName, password);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task OneIPv6Slash64_IsOneClient_ForLoginThrottling()
    {
        var (userName, password, _) = await AuthClients.NewLoggedInUserAsync();
        using var balancer = SourceAddressClient.Create(Logs.ProxyReplicas[1].Address, GatewayAppFixture.TrustedProxyAddress);
        var network = $"2001:db8:{Random.Shared.Next(1, 0xffff):x}:{Random.Shared.Next(1, 0xffff):x}";

        // Five guesses from five addresses of one /64...
        for (var i = 1; i <= 5; i++)
        {
            using var wrong = await LoginAsync(balancer, $"{network}::{i:x}", userName, "wrong-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // ...are one client's five: a sixth address there waits; another /64 does not.
        using var sameNetwork = await LoginAsync(balancer, $"{network}:abcd::1", userName, password);
        Assert.Equal(HttpStatusCode.TooManyRequests, sameNetwork.StatusCode);
        using var otherNetwork = await LoginAsync(balancer, $"2001:db8:ffff:{Random.Shared.Next(1, 0xffff):x}::1", userName, password);
        Assert.Equal(HttpStatusCode.OK, otherNetwork.StatusCode);
    }

    private static Task<HttpResponseMessage> LoginAsync(HttpClient balancer, string client, string userName, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login") { Content = JsonContent.Create(new { userName, password }) };
        request.Headers.Add("X-Forwarded-For", client);
        return balancer.SendAsync(request);
    }

    private async Task<AuthStats> StatsAsync(string adminToken) =>
        await AuthClients.Admin.GetStatsAsync(new GetStatsRequest { AccessToken = adminToken }, deadline: AuthClients.Deadline());
}

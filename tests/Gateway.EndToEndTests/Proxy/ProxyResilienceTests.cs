using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Proxy;

/// <summary>The proxy when its dependencies fail: auth service down, slow, unreachable or failing backends.</summary>
[Collection(GatewayAppCollection.Name)]
public sealed class ProxyResilienceTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(60);



    [Fact]
    public async Task AuthServiceStopped_CachedCallersServed_Uncached503_RecoversAfterRestart()
    {
        var (_, _, known) = await AuthClients.NewLoggedInUserAsync();
        var (_, _, unknown) = await AuthClients.NewLoggedInUserAsync();
        foreach (var replica in Replicas.Clients)
        {
            using var warm = await replica.SendAsync(ProxyReplicas.Get("/api/hello", known.AccessToken));
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using var cts = new CancellationTokenSource(RecoveryTimeout * 2);
        await Fixture.App.ResourceCommands.ExecuteCommandAsync("auth", KnownResourceCommands.StopCommand, cts.Token);
        await Fixture.App.ResourceNotifications.WaitForResourceAsync("auth", e => e.Snapshot.State?.Text is "Finished" or "Exited", cts.Token);
        try
        {
            foreach (var replica in Replicas.Clients)
            {
                using var cached = await replica.SendAsync(ProxyReplicas.Get("/api/hello", known.AccessToken));
                Assert.Equal(HttpStatusCode.OK, cached.StatusCode);

                // The client's own timeout (15 s) is far above the proxy's deadline: a hang fails the test.
                using var uncached = await replica.SendAsync(ProxyReplicas.Get("/api/hello", unknown.AccessToken));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, uncached.StatusCode);
                Assert.Equal("application/problem+json", uncached.Content.Headers.ContentType?.MediaType);
                Assert.True(uncached.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            }

            // Many uncached callers behind one address, more than the route's anonymous allowance
            // (60) and the failed-credential budget (60): each is told to retry (503), none is
            // limited as anonymous traffic of the address or charged for an auth call the open
            // breaker never made.
            using var office = SourceAddressClient.Create(Replicas.Clients[0].BaseAddress!, System.Net.IPAddress.Parse("127.0.102.1"));
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 80; i++)
            {
                using var response = await office.SendAsync(ProxyReplicas.Get("/api/hello", "gw_at_" + Guid.NewGuid().ToString("N") + "officeuser1"));
                statuses.Add(response.StatusCode);
            }

            Assert.All(statuses, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));

            // Account calls meet a refused connection: 503 at once, not after their 10 s deadline
            // (a client giving up after 5 s would throw here if the call hung).
            using var impatient = new HttpClient { BaseAddress = Replicas.Clients[0].BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            using var login = await impatient.PostAsJsonAsync("/auth/login", new { userName = "someone", password = "whatever-password" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, login.StatusCode);
            Assert.Equal("application/problem+json", login.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            await Fixture.App.ResourceCommands.ExecuteCommandAsync("auth", KnownResourceCommands.StartCommand, cts.Token);
            await Fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("auth", cts.Token);
        }

        // No proxy restart: the breaker half-opens, the probe succeeds, uncached callers get in.
        foreach (var replica in Replicas.Clients)
        {
            await ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get("/api/hello", unknown.AccessToken), HttpStatusCode.OK, RecoveryTimeout, "uncached callers to be served again after the auth service restarted");
        }
    }

    [Fact]
    public async Task SlowBackend_504ProblemDetails()
    {
        using var response = await Replicas.Clients[0].SendAsync(ProxyReplicas.Get("/public/slow?ms=8000"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnreachableBackend_502ProblemDetails()
    {
        using var response = await Replicas.Clients[0].SendAsync(ProxyReplicas.Get("/broken/anything"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnreachableDestination_SafeRequestsRetriedElsewhere_UnsafeOnesNot()
    {
        var proxy = Replicas.Clients[0];

        // Round robin alternates between the closed port and the backend: every GET still succeeds.
        for (var i = 0; i < 10; i++)
        {
            using var response = await proxy.SendAsync(ProxyReplicas.Get("/retry/hello"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // A POST is never retried: the ones sent to the closed port fail with 502.
        var posts = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await proxy.PostAsync("/retry/hello", new StringContent("x"));
            posts.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.BadGateway, posts);
    }

    [Fact]
    public async Task FailingDestination_TakenOutOfRotation_ComesBackWhenHealthy()
    {
        using var backend = Fixture.App.CreateHttpClient("sampleapi");
        var proxy = Replicas.Clients[0];

        using (var off = await backend.PutAsJsonAsync("/chaos", new { healthy = false }))
        {
            off.EnsureSuccessStatusCode();
        }

        try
        {
            // Active health checks eject the destination: the proxy stops sending traffic to it.
            await ProxyReplicas.WaitForStatusAsync(proxy, () => ProxyReplicas.Get("/public/hello"), HttpStatusCode.ServiceUnavailable, RecoveryTimeout, "the failing destination to be taken out of rotation");
        }
        finally
        {
            using var on = await backend.PutAsJsonAsync("/chaos", new { healthy = true });
            on.EnsureSuccessStatusCode();
        }

        await ProxyReplicas.WaitForStatusAsync(proxy, () => ProxyReplicas.Get("/public/hello"), HttpStatusCode.OK, RecoveryTimeout, "the destination to come back into rotation");
    }
}

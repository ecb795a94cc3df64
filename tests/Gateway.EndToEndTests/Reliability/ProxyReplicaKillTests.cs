using System.Net;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.Reliability;

/// <summary>
/// One proxy replica crashes (SIGKILL): the other keeps serving, the public entry point keeps
/// answering, and the crashed replica serves again once restarted.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class ProxyReplicaKillTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task OneReplicaKilled_OtherAndPublicEndpointKeepServing_KilledOneServesAfterRestart()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        using var cts = new CancellationTokenSource(Timeout);
        var replicas = await ResourceReplicas.WaitForAllHealthyAsync(Fixture.App, "proxy", expected: 2, cts.Token);
        var (victim, survivor) = (replicas[0], replicas[1]);
        using var survivorClient = new HttpClient { BaseAddress = ResourceReplicas.HttpAddress(survivor), Timeout = ProxyReplicas.RequestTimeout };
        var launcher = ResourceProcesses.LauncherPid(victim.Snapshot) ?? throw new InvalidOperationException("replica has no pid");
        var server = ResourceProcesses.ServerPid(launcher, "Gateway.Proxy") ?? throw new InvalidOperationException("no Gateway.Proxy process under the replica");

        ResourceProcesses.KillTree(server);
        try
        {
            // The survivor answers cached and anonymous callers as before.
            for (var i = 0; i < 10; i++)
            {
                using var cached = await survivorClient.SendAsync(ProxyReplicas.Get("/api/hello", login.AccessToken), cts.Token);
                Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
                using var anonymous = await survivorClient.SendAsync(ProxyReplicas.Get("/public/hello"), cts.Token);
                Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
            }

            // Clients of the public address (DCP's per-connection balancer) are not sent to the dead
            // replica: every new connection is answered.
            using var entry = Fixture.App.CreateHttpClient("proxy", "http");
            for (var i = 0; i < 10; i++)
            {
                using var request = ProxyReplicas.Get("/public/hello");
                request.Headers.ConnectionClose = true;
                using var response = await entry.SendAsync(request, cts.Token);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            await ResourceProcesses.WaitForStoppedAsync(Fixture.App, victim.ResourceId, cts.Token);
            await Fixture.App.ResourceCommands.ExecuteCommandAsync(victim.ResourceId, KnownResourceCommands.StartCommand, cts.Token);
        }

        // Aspire may report the new process healthy from the old one's last check: poll the replica itself.
        var restarted = await ResourceProcesses.WaitForRestartedAsync(Fixture.App, victim.ResourceId, launcher, cts.Token);
        using var restartedClient = new HttpClient { BaseAddress = ResourceReplicas.HttpAddress(restarted), Timeout = ProxyReplicas.RequestTimeout };
        await Poll.UntilAsync<object>(
            async ct =>
            {
                try
                {
                    using var response = await restartedClient.SendAsync(ProxyReplicas.Get("/api/hello", login.AccessToken), ct);
                    return response.StatusCode == HttpStatusCode.OK ? response.StatusCode : null;
                }
                catch (HttpRequestException)
                {
                    return null; // Not listening yet.
                }
            },
            Timeout,
            "the restarted replica to serve the cached caller again");
    }
}

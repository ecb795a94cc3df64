using System.Net;
using Aspire.Hosting.ApplicationModel;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Reliability;

/// <summary>
/// The only backend crashes (SIGKILL): the gateway answers its own 502/503 problem details, not a
/// 504 after hanging for its whole backend timeout, and serves again soon after the backend is
/// back: within the passive health check's reactivation period (10 s) plus an active health check,
/// not after the minute that the failures stay in YARP's default failure-rate window.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class BackendKillTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Reactivation period (10 s) plus margin for a busy machine; the bug took over 60 s.</summary>
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task BackendKilled_GatewayAnswers502Or503NotTimeout_ServesAgainAfterRestart()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var backend = await Fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("sampleapi", cts.Token);
        var launcher = ResourceProcesses.LauncherPid(backend.Snapshot) ?? throw new InvalidOperationException("sampleapi has no pid");
        var server = ResourceProcesses.ServerPid(launcher, "Gateway.SampleApi") ?? throw new InvalidOperationException("no Gateway.SampleApi process");
        var proxy = Replicas.Clients[0];

        ResourceProcesses.KillTree(server);
        try
        {
            await ResourceProcesses.WaitForStoppedAsync(Fixture.App, "sampleapi", cts.Token);
            for (var i = 0; i < 3; i++)
            {
                // A dead backend must look dead (refused: 502, or ejected: 503). Behind a balancer
                // that still accepts connections for it, each request would hang until the
                // cluster's 5 s activity timeout and end as 504.
                using var response = await proxy.SendAsync(ProxyReplicas.Get("/public/hello"), cts.Token);
                Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"answered {(int)response.StatusCode}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            // A burst of failures, as under real traffic, so that the passive health check (failure
            // rate over its window) ejects the destination and not only the active one.
            await Parallel.ForAsync(0, 300, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cts.Token }, async (_, ct) =>
            {
                using var response = await proxy.SendAsync(ProxyReplicas.Get("/public/hello"), ct);
                Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"answered {(int)response.StatusCode}");
            });
        }
        finally
        {
            await ResourceProcesses.WaitForStoppedAsync(Fixture.App, "sampleapi", cts.Token);
            await Fixture.App.ResourceCommands.ExecuteCommandAsync("sampleapi", KnownResourceCommands.StartCommand, cts.Token);
            await ResourceProcesses.WaitForRestartedAsync(Fixture.App, "sampleapi", launcher, cts.Token);
        }

        foreach (var replica in Replicas.Clients)
        {
            await ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get("/public/hello"), HttpStatusCode.OK, RecoveryTimeout, "the restarted backend to be served again");
        }
    }
}

using System.Net;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.RateLimiting;

/// <summary>Redis stopped during traffic: each policy's fail mode applies, then Redis takes over again.</summary>
[Collection(GatewayAppCollection.Name)]
public sealed class RateLimitFailModeTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);



    [Fact]
    public async Task RedisStopped_OpenAllows_ClosedRefuses503_LocalAppliesShare_ThenDistributedAgain()
    {
        // Users are created and cached before Redis goes away (their plan is the small test plan).
        var open = await TinyUserAsync();
        var closed = await TinyUserAsync();
        var local = await TinyUserAsync();
        var replica = Replicas.Clients[0];

        using var cts = new CancellationTokenSource(Timeout * 2);
        await Fixture.App.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand, cts.Token);
        await Fixture.App.ResourceNotifications.WaitForResourceAsync("redis", e => e.Snapshot.State?.Text is "Finished" or "Exited", cts.Token);
        try
        {
            // Closed: 503 with Retry-After, as soon as Redis failures are seen.
            var refused = await Poll.UntilAsync<HttpResponseMessage>(
                async ct =>
                {
                    var response = await replica.SendAsync(ProxyReplicas.Get("/rl/closed/hello", closed), ct);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        return response;
                    }

                    response.Dispose();
                    return null;
                },
                Timeout,
                "fail-closed requests to be refused");
            using (refused)
            {
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            }

            // Open: everything passes, even far beyond the limit's share of this replica.
            for (var i = 0; i < GatewayAppFixture.TinyPlanLimit; i++)
            {
                using var response = await replica.SendAsync(ProxyReplicas.Get("/rl/open/hello", open));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            // Local: this replica admits its share, limit ÷ 2 replicas, within the window.
            var admitted = 0;
            for (var i = 0; i < GatewayAppFixture.TinyPlanLimit; i++)
            {
                using var response = await replica.SendAsync(ProxyReplicas.Get("/rl/local/hello", local));
                admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"local mode answered {(int)response.StatusCode}");
            }

            Assert.Equal(GatewayAppFixture.TinyPlanLimit / 2, admitted);
        }
        finally
        {
            await Fixture.App.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand, cts.Token);
            await Fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("redis", cts.Token);
        }

        // Redis is back: fail-closed requests pass again and their count is kept in Redis.
        await ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get("/rl/closed/hello", closed), HttpStatusCode.OK, Timeout, "the distributed limit to apply again");

        await using var redis = await ConnectionMultiplexer.ConnectAsync((await Fixture.App.GetConnectionStringAsync("redis"))!);
        var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: "{gw:rl:test-closed:*").ToList();
        Assert.NotEmpty(keys);
    }

    private async Task<string> TinyUserAsync()
    {
        // Only replica 0 is exercised here, but both must have applied the plan.
        var (userName, _, login) = await AuthClients.NewLoggedInUserAsync();
        await Replicas.MoveToPlanAsync(AuthClients, Fixture.App, userName, login.AccessToken, "tiny", GatewayAppFixture.TinyPlanLimit);
        return login.AccessToken;
    }
}

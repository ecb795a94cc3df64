using System.Collections.Concurrent;
using System.Net;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Cluster;

/// <summary>
/// The primary serving a user's rate-limit key crashes while that user's requests keep coming
/// through both proxy replicas (issue #21, acceptance 3, end to end): with the policy's fail mode
/// <c>Local</c>, every request is answered 200 or 429 through the seconds without a primary, and
/// each window's admissions stay within the documented bound (docs/operations.md, Redis Cluster:
/// the limit, plus each replica's local share while Redis cannot decide, plus what the dead primary
/// acknowledged but had not replicated).
/// </summary>
[Collection(ClusterAppCollection.Name)]
public sealed class ClusterFailoverTrafficTests(ClusterAppFixture fixture, ITestOutputHelper output) : ClusterTestBase(fixture)
{
    private const int Limit = ClusterAppFixture.LocalRouteLimit;
    private const int WindowSeconds = 60;
    private const int ProxyReplicaCount = 2;

    /// <summary>Admitted before the crash: the key is well under its limit, so the requests after it need Redis (a full key is refused locally until its window ends and would ask nothing).</summary>
    private const int BeforeTheCrash = Limit / 4;

    /// <summary>Requests in flight, alternating replicas.</summary>
    private const int InFlight = 2;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PrimaryOfAUsersKeyKilledDuringTraffic_LocalFailMode_EveryRequestAnswered_EachWindowWithinTheBound()
    {
        var nodes = Fixture.Nodes;
        await nodes.WaitForWholeAsync("the cluster to be whole before the crash");
        var user = (await Fixture.TinyPlanUsersAsync())[0];
        var key = $"{{gw:rl:test-local:{user.UserId}}}";
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await Fixture.App.GetConnectionStringAsync("redis"))!);
        // The windows are Redis' (the script's clock): this host's clock, moved onto Redis' time.
        var offset = await RateLimitWindows.RedisNowAsync(redis) - DateTimeOffset.UtcNow;

        var admitted = new ConcurrentDictionary<long, int>();
        var refused = 0;
        var answered = 0;
        var other = new ConcurrentQueue<string>();
        await SendAsync(BeforeTheCrash, CancellationToken.None);
        Assert.Equal(BeforeTheCrash, admitted.Values.Sum());
        var degradedBefore = await DegradedDecisionsAsync(adminToken);

        var victim = await nodes.PrimaryOfKeyAsync(ClusterNodes.Names[0], key);
        var launcher = await nodes.KillAsync(victim);
        using var stop = new CancellationTokenSource();
        var traffic = SendAsync(int.MaxValue, stop.Token);
        try
        {
            await nodes.WaitForFailoverAsync(victim);
            await WaitForMoreAsync(2 * Limit, "traffic after the failover");
        }
        finally
        {
            await stop.CancelAsync();
            await traffic;
            // Leave the cluster whole for the collection's other tests.
            await nodes.RestartAsync(victim, launcher);
            await nodes.WaitForWholeAsync($"{victim} to rejoin the cluster");
        }

        var degraded = await DegradedDecisionsAsync(adminToken) - degradedBefore;
        output.WriteLine(
            $"killed {victim} (primary of {key}); {answered} answered, {refused} refused, {degraded} decided by the fail mode; admitted per {WindowSeconds} s window: "
            + string.Join(", ", admitted.OrderBy(pair => pair.Key).Select(pair => pair.Value)));

        // Nothing failed beyond the fail mode: no 503, no 500, every request decided.
        Assert.True(other.IsEmpty, "answers other than 200 and 429: " + string.Join(" | ", other.Take(5)));
        // The crash was felt: requests were decided by the fail mode while no primary served the key.
        Assert.True(degraded > 0, "no decision was made by the fail mode: the crash did not reach the limiter");
        // The bound: the limit; plus, while no primary serves the key, each replica's share counted
        // from zero (Local: ⌈limit ÷ replicas⌉ each); plus the last writes the dead primary had not
        // replicated (asynchronous replication: the last milliseconds of traffic, a few requests).
        const int Unreplicated = 10;
        const int Bound = Limit + (ProxyReplicaCount * ((Limit + ProxyReplicaCount - 1) / ProxyReplicaCount)) + Unreplicated;
        Assert.All(admitted.Values, count => Assert.InRange(count, 1, Bound));
        // Not trivially loose: traffic ran far past the limit, and the limiter refused it.
        Assert.True(refused > 0, $"none of {answered} refused");

        Task SendAsync(int count, CancellationToken stopping)
        {
            var sent = 0;
            return Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Task.Run(async () =>
            {
                int request;
                while (!stopping.IsCancellationRequested && (request = Interlocked.Increment(ref sent)) <= count)
                {
                    using var response = await Replicas.Clients[request % ProxyReplicaCount].SendAsync(ProxyReplicas.Get("/rl/local/hello", user.AccessToken));
                    var window = RateLimitWindows.WindowOf(DateTimeOffset.UtcNow + offset, WindowSeconds);
                    switch (response.StatusCode)
                    {
                        case HttpStatusCode.OK:
                            admitted.AddOrUpdate(window, 1, (_, admittedSoFar) => admittedSoFar + 1);
                            break;
                        case HttpStatusCode.TooManyRequests:
                            Interlocked.Increment(ref refused);
                            break;
                        default:
                            other.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                            break;
                    }

                    Interlocked.Increment(ref answered);
                }
            })));
        }

        async Task WaitForMoreAsync(int more, string what)
        {
            var from = Volatile.Read(ref answered);
            await Poll.UntilAsync(_ => Task.FromResult(Volatile.Read(ref answered) >= from + more ? what : null), Deadline, what);
        }
    }

    /// <summary>Decisions both replicas left to the fail mode so far (<c>/gateway/diagnostics</c>).</summary>
    private async Task<long> DegradedDecisionsAsync(string adminToken)
    {
        long total = 0;
        foreach (var replica in Replicas.Clients)
        {
            var decisions = (await ProxyReplicas.DiagnosticsAsync(replica, adminToken)).GetProperty("rateLimiting").GetProperty("decisions");
            total += decisions.GetProperty("degraded_allowed").GetInt64() + decisions.GetProperty("degraded_rejected").GetInt64();
        }

        return total;
    }
}

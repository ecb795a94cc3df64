using System.Diagnostics;
using System.Net;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Cluster;

/// <summary>
/// Distributed rate limiting through both proxy replicas on the AppHost's Redis Cluster, many users
/// at once: each user's window is its own key, so their decisions spread over the cluster's slots
/// and primaries.
/// </summary>
[Collection(ClusterAppCollection.Name)]
public sealed class ClusterRateLimitingTests(ClusterAppFixture fixture, ITestOutputHelper output) : ClusterTestBase(fixture)
{
    private const int Limit = ClusterAppFixture.TinyPlanLimit;
    private const int WindowSeconds = ClusterAppFixture.TinyPlanWindowSeconds;

    /// <summary>
    /// Requests each user has in flight, alternating replicas: its traffic comes as a client sends it,
    /// spread over the burst, not all in one instant.
    /// </summary>
    private const int InFlightPerUser = 4;

    private IConnectionMultiplexer _redis = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync((await Fixture.App.GetConnectionStringAsync("redis"))!);
    }

    public override async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Strict_ManyUsersAtTwiceTheLimitThroughBothReplicas_EachAdmittedExactlyItsLimit()
    {
        var outcomes = await OfferTwiceTheLimitAsync("strict");

        // docs/rate-limiting.md: one script call per request, never over the limit in a window; and
        // nothing failed, so never under it either.
        Assert.All(outcomes, outcome => Assert.Equal(Limit, outcome.Admitted));
    }

    [Fact]
    public async Task Approximate_ManyUsersAtTwiceTheLimitThroughBothReplicas_WithinItsBound_ASubstantialShareRefused()
    {
        var outcomes = await OfferTwiceTheLimitAsync("approximate");

        // docs/rate-limiting.md: a replica may miss what the other admitted since their last sync
        // ticks; the bound for traffic arriving at once on both replicas is (replicas − 1) × limit
        // over, and it never admits fewer than the limit.
        Assert.All(outcomes, outcome => Assert.InRange(outcome.Admitted, Limit, 2 * Limit));

        // Not trivially loose: traffic spread over a burst is synced every 10 ms, so a user
        // offered twice its limit is refused much of the excess (admitting everything would also
        // be "within the bound").
        Assert.All(outcomes, outcome => Assert.True(
            outcome.Refused >= Limit / 2,
            $"user {outcome.UserId}: {outcome.Admitted} admitted, only {outcome.Refused} of {2 * Limit} refused"));
    }

    private async Task<IReadOnlyList<Outcome>> OfferTwiceTheLimitAsync(string mode)
    {
        var users = await Fixture.TinyPlanUsersAsync();
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        var redisCallsBefore = await RedisCallsAsync(adminToken);

        var windowStart = await RateLimitWindows.WaitForStartAsync(_redis, WindowSeconds);
        var started = Stopwatch.GetTimestamp();
        var outcomes = await Task.WhenAll(users.Select(user => OfferAsync(user, $"/rl/{mode}/hello", 2 * Limit)));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var windowEnd = await RateLimitWindows.RedisNowAsync(_redis);
        var redisCalls = await RedisCallsAsync(adminToken) - redisCallsBefore;

        var decisions = outcomes.Sum(outcome => outcome.Admitted + outcome.Refused);
        output.WriteLine(
            $"{mode}: {users.Count} users × {2 * Limit} requests in {elapsed.TotalSeconds:F1} s; admitted per user "
            + string.Join(' ', outcomes.Select(outcome => outcome.Admitted))
            + $" (limit {Limit}); {redisCalls} Redis calls for {decisions} decisions ({(double)redisCalls / decisions:F3} per decision)");

        // What makes "per window" checkable: the whole burst fell into the window it started in.
        Assert.True(
            RateLimitWindows.WindowOf(windowEnd, WindowSeconds) == RateLimitWindows.WindowOf(windowStart, WindowSeconds),
            $"The burst ran from {windowStart:O} to {windowEnd:O}, past the end of its {WindowSeconds} s window: this machine is too busy for the check.");
        Assert.All(outcomes, outcome => Assert.True(outcome.Other.Count == 0, $"user {outcome.UserId}: answers other than 200 and 429: {string.Join(", ", outcome.Other)}"));
        return outcomes;
    }

    private async Task<Outcome> OfferAsync(TinyPlanUser user, string path, int count)
    {
        var next = -1;
        var admitted = 0;
        var refused = 0;
        var other = new System.Collections.Concurrent.ConcurrentQueue<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, InFlightPerUser).Select(async _ =>
        {
            int request;
            while ((request = Interlocked.Increment(ref next)) < count)
            {
                using var response = await Replicas.Clients[request % 2].SendAsync(ProxyReplicas.Get(path, user.AccessToken));
                switch (response.StatusCode)
                {
                    case HttpStatusCode.OK:
                        Interlocked.Increment(ref admitted);
                        break;
                    case HttpStatusCode.TooManyRequests:
                        Interlocked.Increment(ref refused);
                        break;
                    default:
                        other.Enqueue(response.StatusCode);
                        break;
                }
            }
        }));
        return new Outcome(user.UserId, admitted, refused, [.. other]);
    }

    private async Task<long> RedisCallsAsync(string adminToken)
    {
        long total = 0;
        foreach (var replica in Replicas.Clients)
        {
            total += (await ProxyReplicas.DiagnosticsAsync(replica, adminToken)).GetProperty("rateLimiting").GetProperty("redisCalls").GetInt64();
        }

        return total;
    }

    private sealed record Outcome(string UserId, int Admitted, int Refused, IReadOnlyList<HttpStatusCode> Other);
}

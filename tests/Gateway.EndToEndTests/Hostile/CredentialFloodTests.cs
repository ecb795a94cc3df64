using System.Diagnostics;
using System.Net;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// A flood of well-formed random bearer tokens from one client address, as an attacker sends it:
/// the auth service hears of at most the client's failed-credential budget, whatever the request
/// count, and nobody else notices (cached callers, a new caller from another address, the breaker).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class CredentialFloodTests(GatewayAppFixture fixture) : HostileTestBase(fixture)
{
    private const int FloodRequests = 6_000;
    private const int FloodConnections = 32;

    [Fact]
    public async Task RandomTokenFlood_LookupsBoundedByTheBudget_OthersUnaffected_BreakerClosed()
    {
        var address = Logs.ProxyReplicas[0].Address;
        var replica = Replicas.Clients.Single(c => c.BaseAddress!.Port == address.Port);
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        await ProxyReplicas.DiagnosticsAsync(replica, adminToken); // the admin's token cached too

        // A user whose token this replica already holds, on an address of their own.
        var (_, _, cached) = await AuthClients.NewLoggedInUserAsync();
        using var cachedClient = SourceAddressClient.Create(address, SourceAddress(100, 1));
        using (var warm = await cachedClient.SendAsync(ProxyReplicas.Get("/api/hello", cached.AccessToken)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var (_, _, newcomer) = await AuthClients.NewLoggedInUserAsync();
        var callsBefore = await ProxyReplicas.ValidateCallsAsync(replica, adminToken);
        var clock = Stopwatch.StartNew();

        // The flood: one address, many connections, a fresh token per request.
        using var attacker = SourceAddressClient.Create(address, SourceAddress(100, 2));
        var floodStatuses = new int[600];
        var sent = 0;
        var flood = Parallel.ForEachAsync(Enumerable.Range(0, FloodRequests), new ParallelOptions { MaxDegreeOfParallelism = FloodConnections }, async (_, ct) =>
        {
            using var response = await attacker.SendAsync(ProxyReplicas.Get("/api/hello", HostileGen.RandomToken()), ct);
            Interlocked.Increment(ref floodStatuses[(int)response.StatusCode]);
            Interlocked.Increment(ref sent);
        });

        // Meanwhile: the cached user keeps getting 200, a newcomer from another address gets in on
        // a first (uncached) request, and the breaker stays closed.
        var cachedStatuses = new List<HttpStatusCode>();
        string? newcomerStatus = null;
        var breakerStates = new HashSet<string>();
        while (!flood.IsCompleted)
        {
            using (var response = await cachedClient.SendAsync(ProxyReplicas.Get("/api/hello", cached.AccessToken)))
            {
                cachedStatuses.Add(response.StatusCode);
            }

            if (newcomerStatus is null && Volatile.Read(ref sent) > FloodRequests / 3)
            {
                using var newcomerClient = SourceAddressClient.Create(address, SourceAddress(100, 3));
                using var first = await newcomerClient.SendAsync(ProxyReplicas.Get("/api/hello", newcomer.AccessToken));
                newcomerStatus = first.StatusCode.ToString();
            }

            breakerStates.Add((await ProxyReplicas.DiagnosticsAsync(replica, adminToken)).GetProperty("authService").GetProperty("breakerState").GetString()!);
        }

        await flood;
        var seconds = clock.Elapsed.TotalSeconds;
        var diagnostics = await ProxyReplicas.DiagnosticsAsync(replica, adminToken);
        var lookups = diagnostics.GetProperty("authService").GetProperty("validateCalls").GetInt64() - callsBefore;

        // Every flood request was answered 401 (looked up, unknown) or 429 (over budget), never 5xx.
        Assert.Equal(FloodRequests, floodStatuses[401] + floodStatuses[429]);
        Assert.InRange(floodStatuses[401], 1, GatewayAppFixture.FailedCredentialBudget);

        // The sliding window frees Limit/Window permits per second once the first window is spent:
        // at most Limit + Limit × T/Window lookups over T seconds, plus the newcomer's one.
        var bound = GatewayAppFixture.FailedCredentialBudget
            + (int)Math.Ceiling(GatewayAppFixture.FailedCredentialBudget * seconds / GatewayAppFixture.FailedCredentialWindowSeconds) + 1;
        Assert.InRange(lookups, 1, bound);

        Assert.NotEmpty(cachedStatuses);
        Assert.All(cachedStatuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(nameof(HttpStatusCode.OK), newcomerStatus);
        Assert.Equal(["closed"], breakerStates);
        Assert.Equal("closed", diagnostics.GetProperty("authService").GetProperty("breakerState").GetString());
        Assert.True(diagnostics.GetProperty("authService").GetProperty("lookupsRefusedOverBudget").GetInt64() >= floodStatuses[429] - GatewayAppFixture.FailedCredentialBudget);
        Assert.InRange(diagnostics.GetProperty("authCache").GetProperty("negativeEntries").GetInt32(), 1, GatewayAppFixture.NegativeCacheBound);
    }

    /// <summary>
    /// A route with rate limiting disabled skips ASP.NET's global limiter, the failed-credential
    /// limiter's usual voice: the client over its budget still gets the 429, from the challenge,
    /// and the auth service is still not asked.
    /// </summary>
    [Fact]
    public async Task OverBudget_OnARouteWithoutRateLimiting_Still429BeforeAnyLookup()
    {
        var address = Logs.ProxyReplicas[1].Address;
        var replica = Replicas.Clients.Single(c => c.BaseAddress!.Port == address.Port);
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        await ProxyReplicas.DiagnosticsAsync(replica, adminToken);
        using var attacker = SourceAddressClient.Create(address, SourceAddress(100, 4));
        for (var i = 0; i < GatewayAppFixture.FailedCredentialBudget + 5; i++)
        {
            using var spent = await attacker.SendAsync(ProxyReplicas.Get("/api/hello", HostileGen.RandomToken()));
        }

        var before = await ProxyReplicas.ValidateCallsAsync(replica, adminToken);
        using var response = await attacker.SendAsync(ProxyReplicas.Get("/nolimit/hello", HostileGen.RandomToken()));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await ProxyReplicas.ValidateCallsAsync(replica, adminToken));
    }
}

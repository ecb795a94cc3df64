using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.RateLimiting;

/// <summary>Distributed rate limiting through both proxy replicas against the real Redis.</summary>
[Collection(GatewayAppCollection.Name)]
public sealed class RateLimitingTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    private const int Limit = GatewayAppFixture.TinyPlanLimit;
    private const int WindowSeconds = GatewayAppFixture.TinyPlanWindowSeconds;

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

    [Theory]
    [InlineData("strict")]
    [InlineData("batched")]
    [InlineData("approximate")]
    public async Task FourTimesLimitAcrossBothReplicas_AdmitsAtMostLimit_NextWindowAdmitsAgain(string mode)
    {
        var (userId, token) = await TinyPlanUserAsync();
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        var redisCallsBefore = await RedisCallsAsync(adminToken);

        await WaitForWindowStartAsync();
        var statuses = await BurstAsync($"/rl/{mode}/hello", token, 4 * Limit);

        var admitted = statuses.Count(s => s == HttpStatusCode.OK);
        var rejected = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        Assert.Equal(4 * Limit, admitted + rejected);
        var decisions = string.Join(" | ", await Task.WhenAll(Replicas.Clients.Select(async r =>
            (await ProxyReplicas.DiagnosticsAsync(r, adminToken)).GetProperty("rateLimiting").GetRawText())));
        if (mode == "approximate")
        {
            // docs/rate-limiting.md: the other replica's admissions of one sync interval may be missing from a
            // replica's count; a burst sent all at once falls into one interval, so each replica
            // may fill its own view: at most limit + (replicas − 1) × limit, never less than the limit.
            Assert.True(admitted is >= Limit and <= 2 * Limit, $"admitted {admitted}; {decisions}");
            var redisCalls = await RedisCallsAsync(adminToken) - redisCallsBefore;
            Assert.True(redisCalls < admitted, $"approximate mode made {redisCalls} Redis calls for {admitted} admitted requests");
            // Redis counts what was admitted (synced within a tick or two).
            await Poll.UntilAsync<object>(
                async _ => (int)await _redis.GetDatabase().HashGetAsync($"{{gw:rl:test-{mode}:{userId}}}", "c") == admitted ? this : null,
                TimeSpan.FromSeconds(10),
                "Redis to count every admitted request");
            await ProxyReplicas.WaitForStatusAsync(Replicas.Clients[0], () => ProxyReplicas.Get($"/rl/{mode}/hello", token), HttpStatusCode.OK, TimeSpan.FromSeconds(3 * WindowSeconds), "the next window to admit again");
            return;
        }

        Assert.True(admitted is >= 1 and <= Limit, $"admitted {admitted}; {decisions}");
        if (mode == "strict")
        {
            Assert.Equal(Limit, admitted);
        }
        else
        {
            // docs/rate-limiting.md: at most replicas × (batch + batch ÷ 4 − 1) under-admission (a slice reserved ahead
            // of need may be left when the burst ends); batch = limit ÷ (replicas × 10) = 10.
            Assert.InRange(admitted, Limit - (2 * (10 + (10 / 4) - 1)), Limit);
            var redisCalls = await RedisCallsAsync(adminToken) - redisCallsBefore;
            Assert.True(redisCalls < admitted, $"batched mode made {redisCalls} Redis calls for {admitted} admitted requests");
        }

        // Rejections did not count: Redis holds exactly what was granted (batched: reserved).
        var granted = (int)await _redis.GetDatabase().HashGetAsync($"{{gw:rl:test-{mode}:{userId}}}", "c");
        Assert.InRange(granted, admitted, Limit);

        await ProxyReplicas.WaitForStatusAsync(Replicas.Clients[0], () => ProxyReplicas.Get($"/rl/{mode}/hello", token), HttpStatusCode.OK, TimeSpan.FromSeconds(3 * WindowSeconds), "the next window to admit again");
    }

    [Fact]
    public async Task Headers_OnAllowedAndRejected_TellWhereTheCallerStands()
    {
        var (_, token) = await TinyPlanUserAsync();
        await WaitForWindowStartAsync();

        using (var first = await Replicas.Clients[0].SendAsync(ProxyReplicas.Get("/rl/strict/hello", token)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal($"\"test-strict\";q={Limit};w={WindowSeconds}", Header(first, "RateLimit-Policy"));
            Assert.Equal(Limit.ToString(CultureInfo.InvariantCulture), Header(first, "X-RateLimit-Limit"));
            Assert.Equal((Limit - 1).ToString(CultureInfo.InvariantCulture), Header(first, "X-RateLimit-Remaining"));
            var reset = int.Parse(Header(first, "X-RateLimit-Reset"), CultureInfo.InvariantCulture);
            Assert.InRange(reset, 1, WindowSeconds);
            Assert.Equal($"\"test-strict\";r={Limit - 1};t={reset}", Header(first, "RateLimit"));
        }

        var statuses = await BurstAsync("/rl/strict/hello", token, Limit + 10);
        Assert.Equal(Limit - 1, statuses.Count(s => s == HttpStatusCode.OK));

        using var rejected = await Replicas.Clients[1].SendAsync(ProxyReplicas.Get("/rl/strict/hello", token));
        var now = await RedisNowAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0", Header(rejected, "X-RateLimit-Remaining"));

        // The window is full: admission resumes once the next window has let this one decay by
        // one request's worth, i.e. (time left in the window) + window / limit.
        var elapsed = now.ToUnixTimeMilliseconds() % (WindowSeconds * 1000) / 1000.0;
        var expected = WindowSeconds - elapsed + (WindowSeconds / (double)Limit);
        var retryAfter = rejected.Headers.RetryAfter?.Delta?.TotalSeconds ?? -1;
        Assert.InRange(retryAfter, expected - 1, expected + 1.5);
    }

    [Fact]
    public async Task PerClientAddress_AnonymousRouteAndLogin_LimitedBeforeAuthentication_XForwardedForIgnored()
    {
        var address = ResourceReplicas.HttpAddress((await ResourceReplicas.WaitForAllHealthyAsync(Fixture.App, "proxy", 2, CancellationToken.None))[0]);

        using var client = SourceAddressClient.Create(address, IPAddress.Parse("127.0.0.21"));
        var anonymous = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/rl/ip/hello");
            request.Headers.Add("X-Forwarded-For", $"10.9.8.{i}"); // not a trusted proxy: ignored
            using var response = await client.SendAsync(request);
            anonymous.Add(response.StatusCode);
        }

        Assert.Equal(5, anonymous.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, anonymous.Count(s => s == HttpStatusCode.TooManyRequests));

        // Another client address has its own allowance.
        using (var other = SourceAddressClient.Create(address, IPAddress.Parse("127.0.0.22")))
        using (var response = await other.GetAsync("/rl/ip/hello"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // POST /auth/login: 30 per minute per client address, whatever the body (no password hashing spent).
        using var login = SourceAddressClient.Create(address, IPAddress.Parse("127.0.0.23"));
        var logins = new List<HttpStatusCode>();
        for (var i = 0; i < 32; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login") { Content = JsonContent.Create(new { userName = "", password = "" }) };
            request.Headers.Add("X-Forwarded-For", $"10.9.7.{i}");
            using var response = await login.SendAsync(request);
            logins.Add(response.StatusCode);
        }

        Assert.Equal(30, logins.Count(s => s == HttpStatusCode.BadRequest));
        Assert.Equal(2, logins.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    private async Task<(string UserId, string Token)> TinyPlanUserAsync()
    {
        var (userName, _, login) = await AuthClients.NewLoggedInUserAsync();
        await Replicas.MoveToPlanAsync(AuthClients, Fixture.App, userName, login.AccessToken, "tiny", Limit);
        return (login.UserId, login.AccessToken);
    }

    /// <summary>Concurrent requests spread over both replicas.</summary>
    private async Task<HttpStatusCode[]> BurstAsync(string path, string token, int count) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            using var response = await Replicas.Clients[i % 2].SendAsync(ProxyReplicas.Get(path, token));
            return response.StatusCode;
        }));

    private Task WaitForWindowStartAsync() => RateLimitWindows.WaitForStartAsync(_redis, WindowSeconds);

    private Task<DateTimeOffset> RedisNowAsync() => RateLimitWindows.RedisNowAsync(_redis);

    private async Task<long> RedisCallsAsync(string adminToken)
    {
        long total = 0;
        foreach (var replica in Replicas.Clients)
        {
            total += (await ProxyReplicas.DiagnosticsAsync(replica, adminToken)).GetProperty("rateLimiting").GetProperty("redisCalls").GetInt64();
        }

        return total;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : throw new Xunit.Sdk.XunitException($"missing header {name}");
}

using System.Net;
using System.Threading.RateLimiting;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Telemetry;
using Gateway.ServiceDefaults.ClientAddresses;
using Gateway.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary>
/// The failed-credential budget against a real redis-server: taken before a lookup, so a client's
/// lookups are bounded by it; given back by valid credentials, so they never spend it.
/// </summary>
public sealed class FailedCredentialBudgetTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const int Budget = 10;

    [Theory]
    [InlineData("Batched")]
    [InlineData("Strict")]
    public async Task Reservations_AtMostTheBudgetPerClient_OtherClientsUnaffected(string mode)
    {
        await using var services = Services(mode);
        var limiter = services.GetRequiredService<FailedCredentialLimiter>();
        var client = NewClient();

        var acquired = 0;
        for (var i = 0; i < 50; i++)
        {
            using var lease = await limiter.ReserveAsync(Request(client), CancellationToken.None);
            acquired += lease.IsAcquired ? 1 : 0;
        }

        Assert.Equal(Budget, acquired);
        var refused = await limiter.ReserveAsync(Request(client), CancellationToken.None);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero);
        Assert.True((await limiter.ReserveAsync(Request(NewClient()), CancellationToken.None)).IsAcquired);
    }

    [Theory]
    [InlineData("Batched")]
    [InlineData("Strict")]
    public async Task ValidCredentials_GiveTheirPermitBack_NeverSpendTheBudget(string mode)
    {
        await using var services = Services(mode);
        var limiter = services.GetRequiredService<FailedCredentialLimiter>();
        var client = NewClient();

        // Many valid lookups first (each released)...
        for (var i = 0; i < 100; i++)
        {
            var lease = await limiter.ReserveAsync(Request(client), CancellationToken.None);
            Assert.True(lease.IsAcquired);
            FailedCredentialLimiter.Refund(lease);
        }

        // ...the whole budget is still there for failures (strict gives back through Redis: poll).
        await Poll.UntilAsync<object>(
            async _ =>
            {
                var lease = await limiter.ReserveAsync(Request(client), CancellationToken.None);
                FailedCredentialLimiter.Refund(lease);
                return lease.IsAcquired ? lease : null;
            },
            TimeSpan.FromSeconds(10),
            "the given-back permits to be available");
        await Poll.UntilAsync<object>(
            async _ => (int)await redis.Redis.GetDatabase().HashGetAsync(RedisKey(client), "c") <= 3 ? new object() : null,
            TimeSpan.FromSeconds(10),
            "Redis to hold at most one slice of the client's valid lookups");

        var kept = 0;
        for (var i = 0; i < Budget; i++)
        {
            kept += (await limiter.ReserveAsync(Request(client), CancellationToken.None)).IsAcquired ? 1 : 0;
        }

        Assert.InRange(kept, Budget - 3, Budget);
    }

    [Fact]
    public async Task AsGlobalLimiter_CountsRejectedCredentials_ReturnsTheRefusal_IgnoresTheRest()
    {
        await using var services = Services("Strict");
        var limiter = services.GetRequiredService<FailedCredentialLimiter>();
        var client = NewClient();

        // No rejected credential: not limited at all.
        for (var i = 0; i < Budget * 3; i++)
        {
            Assert.True((await limiter.AcquireAsync(Request(client))).IsAcquired);
        }

        // Rejected without a lookup (malformed, negative cache hit): counted here.
        var counted = 0;
        for (var i = 0; i < Budget * 2; i++)
        {
            var request = Request(client);
            request.Items[Gateway.Proxy.Authentication.GatewayAuthentication.RejectedCredentialItemKey] = true;
            counted += (await limiter.AcquireAsync(request)).IsAcquired ? 1 : 0;
        }

        Assert.Equal(Budget, counted);

        // A lookup refused for the budget: the refusal is the answer, and nothing more is counted.
        var refusedRequest = Request(client);
        var refusal = await limiter.ReserveAsync(refusedRequest, CancellationToken.None);
        refusedRequest.Items[Gateway.Proxy.Authentication.GatewayAuthentication.RejectedCredentialItemKey] = true;
        Assert.Same(refusal, await limiter.AcquireAsync(refusedRequest));
    }

    private static string NewClient() => $"2001:db8:{Random.Shared.Next(1, 0xffff):x}:{Random.Shared.Next(1, 0xffff):x}::1";

    private static StackExchange.Redis.RedisKey RedisKey(string client) => $"{{gw:rl:failed:ip:{ClientNetwork.Key(IPAddress.Parse(client))}}}";

    private static DefaultHttpContext Request(string client)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(client);
        return context;
    }

    private ServiceProvider Services(string mode)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:RateLimiting:Replicas"] = "2",
            ["Gateway:RateLimiting:RedisTimeout"] = "00:00:10",
            ["Gateway:RateLimiting:FailedCredentialPolicy"] = "failed",
            ["Gateway:RateLimiting:Policies:failed:Partition"] = "ClientIp",
            ["Gateway:RateLimiting:Policies:failed:Limit"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:RateLimiting:Policies:failed:WindowSeconds"] = "600",
            ["Gateway:RateLimiting:Policies:failed:Mode"] = mode,
            ["Gateway:RateLimiting:Policies:failed:FailMode"] = "Closed",
        });
        builder.Services.AddSingleton(redis.Redis);
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddClientAddresses();
        builder.AddGatewayRateLimiting();
        // The policies as the proxy serves them: from the configuration version (here the file's).
        builder.Services.AddSingleton(services =>
        {
            var state = new Gateway.Proxy.RuntimeConfig.RuntimeConfigState();
            var policies = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Gateway.Proxy.RateLimiting.RateLimitingOptions>>().Value.Policies;
            state.Apply(Gateway.Proxy.RuntimeConfig.RuntimeConfigSnapshot.Create(
                Gateway.Proxy.RuntimeConfig.ConfigVersionInfo.File(DateTimeOffset.UtcNow), "{}", new Gateway.Proxy.RuntimeConfig.GatewayConfigDocument { RateLimitPolicies = policies }));
            return state;
        });
        return builder.Services.BuildServiceProvider();
    }
}

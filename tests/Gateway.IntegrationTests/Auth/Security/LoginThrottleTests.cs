using Gateway.Auth;
using Gateway.Auth.Security;
using Gateway.Contracts.Redis;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.TestSupport;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Auth.Security;

/// <summary>
/// The login throttle against a real redis-server: counted before the password is verified
/// (atomically), per (account, client), per client and per account for unknown clients, with a
/// delay that grows instead of a lock. Run against one server
/// (<see cref="SingleRedisLoginThrottleTests"/>) and a cluster (<see cref="ClusterLoginThrottleTests"/>,
/// as the auth service's ACL user: its scripts' keys share the <c>{gw:auth:login}</c> slot).
/// </summary>
public abstract class LoginThrottleTests(IRedisFixture redis) : IAsyncLifetime
{
    private readonly TestMeterFactory _meters = new();
    private IConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() =>
        _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConfigurationFor(RedisUsers.Auth));

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        _meters.Dispose();
    }

    [Fact]
    public async Task FiftyConcurrentAttempts_OnePairOnly_TheAllowedNumberPassToVerification()
    {
        var throttle = Throttle(new LoginThrottleOptions { BackoffBase = TimeSpan.FromMinutes(1) });
        var account = NewAccount();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => TryBeginAsync(throttle, account, "198.51.100.10"))));

        Assert.Equal(5, outcomes.Count(passed => passed));
    }

    [Fact]
    public async Task HundredFailuresFromOneClient_OwnerFromAnotherClient_NotStopped()
    {
        var throttle = Throttle(new LoginThrottleOptions { BackoffBase = TimeSpan.FromMinutes(1) });
        var account = NewAccount();

        var passed = 0;
        for (var i = 0; i < 100; i++)
        {
            passed += await TryBeginAsync(throttle, account, "198.51.100.20") ? 1 : 0;
        }

        Assert.Equal(5, passed);
        Assert.True(await TryBeginAsync(throttle, account, "198.51.100.21"));
        var refused = await Assert.ThrowsAsync<RpcException>(() => throttle.BeginAsync(account, "198.51.100.20", CancellationToken.None));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Trailers.GetValue(LoginThrottle.RetryAfterTrailer)!, System.Globalization.CultureInfo.InvariantCulture), 1, 15 * 60);
    }

    [Fact]
    public async Task OneClientSprayingAccounts_SlowedAfterItsLimit_OverAllAccounts()
    {
        var throttle = Throttle(new LoginThrottleOptions { BackoffBase = TimeSpan.FromMinutes(1) });
        var passed = 0;
        for (var i = 0; i < 30; i++)
        {
            passed += await TryBeginAsync(throttle, NewAccount(), "198.51.100.30") ? 1 : 0;
        }

        Assert.Equal(20, passed);
        Assert.True(await TryBeginAsync(throttle, NewAccount(), "198.51.100.31"));
    }

    [Fact]
    public async Task ManyClientsOnOneAccount_UnknownClientsSlowed_KnownClientNot()
    {
        var throttle = Throttle(new LoginThrottleOptions { MaxFailuresPerAccount = 10, BackoffBase = TimeSpan.FromMinutes(1) });
        var account = NewAccount();

        // The owner signs in once from their usual client.
        var owner = await throttle.BeginAsync(account, "203.0.113.5", CancellationToken.None);
        await throttle.SucceededAsync(owner, CancellationToken.None);

        var passed = 0;
        for (var i = 0; i < 15; i++)
        {
            passed += await TryBeginAsync(throttle, account, $"198.51.100.{100 + i}") ? 1 : 0;
        }

        Assert.Equal(10, passed);
        Assert.False(await TryBeginAsync(throttle, account, "198.51.100.200"));
        Assert.True(await TryBeginAsync(throttle, account, "203.0.113.5"));
    }

    [Fact]
    public async Task RightPassword_GivesTheAttemptBack_PairStartsAfresh()
    {
        var throttle = Throttle(new LoginThrottleOptions { BackoffBase = TimeSpan.FromMinutes(1) });
        var account = NewAccount();
        for (var i = 0; i < 4; i++)
        {
            Assert.True(await TryBeginAsync(throttle, account, "198.51.100.40"));
        }

        await throttle.SucceededAsync(await throttle.BeginAsync(account, "198.51.100.40", CancellationToken.None), CancellationToken.None);

        var passed = 0;
        for (var i = 0; i < 10; i++)
        {
            passed += await TryBeginAsync(throttle, account, "198.51.100.40") ? 1 : 0;
        }

        Assert.Equal(5, passed);
    }

    [Fact]
    public async Task PastTheLimit_EachFurtherAttemptWaitsLonger_NeverLocked()
    {
        var throttle = Throttle(new LoginThrottleOptions { MaxFailuresPerAccountAndClient = 1, BackoffBase = TimeSpan.FromSeconds(2) });
        var account = NewAccount();
        Assert.True(await TryBeginAsync(throttle, account, "198.51.100.50"));

        var first = await RetryAfterAsync(throttle, account);
        Assert.Equal(2, first);

        // Allowed again once the wait is over (polled, never slept)...
        await Poll.UntilAsync<object>(
            async _ => await TryBeginAsync(throttle, account, "198.51.100.50") ? new object() : null,
            TimeSpan.FromSeconds(10),
            "the first wait to end");

        // ...and the next wait is twice as long.
        Assert.Equal(4, await RetryAfterAsync(throttle, account));
    }

    [Fact]
    public async Task UnknownAndKnownAccounts_SameCountingSameRefusal()
    {
        var throttle = Throttle(new LoginThrottleOptions { BackoffBase = TimeSpan.FromMinutes(1) });
        var refusals = new List<RpcException>();
        foreach (var account in new[] { NewAccount(), "no-such-user-" + Guid.NewGuid().ToString("N") })
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.True(await TryBeginAsync(throttle, account, "198.51.100.60"));
            }

            refusals.Add(await Assert.ThrowsAsync<RpcException>(() => throttle.BeginAsync(account, "198.51.100.60", CancellationToken.None)));
        }

        Assert.Equal(refusals[0].Status, refusals[1].Status);
    }

    private static async Task<int> RetryAfterAsync(LoginThrottle throttle, string account)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => throttle.BeginAsync(account, "198.51.100.50", CancellationToken.None));
        return int.Parse(refused.Trailers.GetValue(LoginThrottle.RetryAfterTrailer)!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<bool> TryBeginAsync(LoginThrottle throttle, string account, string client)
    {
        try
        {
            await throttle.BeginAsync(account, client, CancellationToken.None);
            return true;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
        {
            return false;
        }
    }

    private static string NewAccount() => "user-" + Guid.NewGuid().ToString("N");

    private LoginThrottle Throttle(LoginThrottleOptions settings) => new(
        _connection,
        new StaticOptionsMonitor<AuthOptions>(new AuthOptions { LoginThrottle = settings }),
        new AuthStatistics(_meters),
        NullLogger<LoginThrottle>.Instance);
}

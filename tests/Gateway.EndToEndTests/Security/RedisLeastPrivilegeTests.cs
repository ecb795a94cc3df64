using Gateway.Contracts.Configuration;
using Gateway.Contracts.Invalidation;
using Gateway.Contracts.Metrics;
using Gateway.Contracts.Redis;
using Gateway.EndToEndTests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.Security;

/// <summary>
/// Each service reaches Redis as its own ACL user with only what it needs: with one service's
/// password, another's state cannot be written, deleted or spoofed (<c>NOPERM</c>).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class RedisLeastPrivilegeTests(GatewayAppFixture fixture)
{
    private const string RateLimitKey = RedisKeys.RateLimitPrefix + "per-user:someone}";
    private const string LoginKey = RedisKeys.LoginThrottlePrefix + "account:someone";

    [Fact]
    public async Task TheDashboardsUser_CannotTouchRateLimitOrLoginState_NorPublishInvalidations_ButReadsSnapshots()
    {
        await using var dashboard = await ConnectAsAsync(RedisUsers.Dashboard);
        var db = dashboard.GetDatabase();

        await AssertRefusedAsync(db.StringSetAsync(RateLimitKey, "0"));
        await AssertRefusedAsync(db.KeyDeleteAsync(RateLimitKey));
        await AssertRefusedAsync(db.HashSetAsync(LoginKey, "failures", 0));
        await AssertRefusedAsync(db.KeyDeleteAsync(LoginKey));
        await AssertRefusedAsync(db.PublishAsync(RedisChannel.Literal(AuthInvalidations.Channel), "1 all"));
        // Nor configuration notices (each makes every proxy load the active version).
        await AssertRefusedAsync(db.PublishAsync(RedisChannel.Literal(ConfigChanges.Channel), "1"));
        await AssertRefusedAsync(db.ExecuteAsync("FLUSHALL"));
        await AssertRefusedAsync(db.ExecuteAsync("CLIENT", "KILL", "TYPE", "normal"));

        // What it is for: the replicas' snapshots arrive on its subscription.
        var snapshot = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await dashboard.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ReplicaSnapshot.Channel), (_, message) => snapshot.TrySetResult(message!));
        Assert.Contains("\"replica\"", await snapshot.Task.WaitAsync(TimeSpan.FromSeconds(15)), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TheProxysUser_CannotClearLoginFailures_NorRenumberInvalidations()
    {
        await using var proxy = await ConnectAsAsync(RedisUsers.Proxy);
        var db = proxy.GetDatabase();

        await AssertRefusedAsync(db.KeyDeleteAsync(LoginKey));
        await AssertRefusedAsync(db.ScriptEvaluateAsync("return redis.call('DEL', KEYS[1])", [LoginKey]));
        await AssertRefusedAsync(db.StringIncrementAsync(AuthInvalidations.SequenceKey));
        // Not refused, and documented: Redis 7.0 channel rights do not tell PUBLISH from SUBSCRIBE,
        // so the user that subscribes to invalidations could publish one too (it can only make
        // proxies forget answers, never accept a credential).
        await AssertRefusedAsync(db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1"));
    }

    [Fact]
    public async Task TheAuthServicesUser_CannotRewriteRateLimitWindows_ButAnnouncesConfigurationVersions()
    {
        await using var auth = await ConnectAsAsync(RedisUsers.Auth);
        var db = auth.GetDatabase();

        await AssertRefusedAsync(db.HashSetAsync(RateLimitKey, "count", 0));
        await AssertRefusedAsync(db.KeyDeleteAsync(RateLimitKey));
        await AssertRefusedAsync(db.PublishAsync(RedisChannel.Literal(ReplicaSnapshot.Channel), "{}"));

        // What it is for (ConfigService's notices); "0" names no version, so proxies ignore it.
        Assert.False(ConfigChanges.TryParse("0", out _));
        await db.PublishAsync(RedisChannel.Literal(ConfigChanges.Channel), "0");
    }

    private Task<ConnectionMultiplexer> ConnectAsAsync(RedisUser user) => AppResources.ConnectRedisAsAsync(fixture.App, user);

    private static async Task AssertRefusedAsync(Task operation)
    {
        var refused = await Assert.ThrowsAsync<RedisServerException>(() => operation);
        Assert.StartsWith("NOPERM", refused.Message, StringComparison.Ordinal);
    }
}

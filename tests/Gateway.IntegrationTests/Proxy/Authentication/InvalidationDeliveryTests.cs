using Gateway.Auth.Invalidation;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.Authentication;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Proxy.Authentication;

/// <summary>
/// Auth's invalidation publisher and a proxy's subscriber and cache, through a real redis-server,
/// each connected as its own ACL user so a test can cut one side off: a revocation reaches the
/// cache, one the replica missed is found out from the numbering, a quiet replica falls out of
/// step, and a publish Redis refused is retried until it lands.
/// </summary>
public sealed class InvalidationDeliveryTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private IConnectionMultiplexer _authRedis = null!;
    private IConnectionMultiplexer _proxyRedis = null!;
    private InvalidationHarness _harness = null!;

    private string AuthUser => "auth-" + _suffix;

    private string ProxyUser => "proxy-" + _suffix;

    private InvalidationPublisher Publisher => _harness.Publisher;

    private AuthCache Cache => _harness.Cache;

    public async Task InitializeAsync()
    {
        var admin = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);
        foreach (var user in new[] { AuthUser, ProxyUser })
        {
            await admin.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret-" + _suffix, "~*", "&*", "+@all");
        }

        _authRedis = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},user={AuthUser},password=secret-{_suffix}");
        _proxyRedis = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},user={ProxyUser},password=secret-{_suffix}");
        _harness = await InvalidationHarness.StartAsync(_authRedis, _proxyRedis);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _proxyRedis.DisposeAsync();
        await _authRedis.DisposeAsync();
    }

    [Fact]
    public async Task ARevocation_IsPublished_AndEvictsTheCachedAnswer()
    {
        var (key, hash) = CacheNewCredential();

        await Publisher.CredentialRevokedAsync(hash);

        await UntilAsync(() => !Cache.TryGetValid(key, out _, out _), "the revoked credential to leave the cache");
        Assert.True(Cache.InvalidationsLive);
    }

    [Fact]
    public async Task AnInvalidationThisReplicaNeverReceived_IsFoundOutFromTheNumbering_AndEverythingCachedGoes()
    {
        var (key, _) = CacheNewCredential();

        // A number given out whose message never reached this replica.
        await redis.Redis.GetDatabase().StringIncrementAsync(Gateway.Contracts.Invalidation.AuthInvalidations.SequenceKey);

        await UntilAsync(() => !Cache.TryGetValid(key, out _, out _), "the answers cached before the missed invalidation to go");
        Assert.True(Cache.InvalidationsLive);
    }

    [Fact]
    public async Task ARevocationWhileTheReplicaIsCutOff_TakesEffectWhenItIsBack_AndItIsOutOfStepMeanwhile()
    {
        var (key, hash) = CacheNewCredential();
        var admin = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);

        // Cut the proxy off: no channel (Redis drops its subscription connection) and no reads.
        await admin.ExecuteAsync("ACL", "SETUSER", ProxyUser, "resetchannels", "-@all", "+@connection");
        await UntilAsync(() => !Cache.InvalidationsLive, "the cut-off replica to fall out of step");
        await Publisher.CredentialRevokedAsync(hash);
        await UntilAsync(() => Publisher.Published >= 1, "the revocation to be published");

        await admin.ExecuteAsync("ACL", "SETUSER", ProxyUser, "&*", "+@all");

        await UntilAsync(() => Cache.InvalidationsLive, "the replica to be in step again");
        Assert.False(Cache.TryGetValid(key, out _, out _), "the revocation it missed must have taken effect");
    }

    [Fact]
    public async Task APublishRedisRefused_IsRetriedUntilItLands()
    {
        var (key, hash) = CacheNewCredential();
        var admin = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);

        await admin.ExecuteAsync("ACL", "SETUSER", AuthUser, "-@scripting");
        await Publisher.CredentialRevokedAsync(hash);
        await UntilAsync(() => Publisher.Retries >= 2, "the refused publish to be retried");
        Assert.Equal(1, Publisher.Queued);
        Assert.Equal(0, Publisher.Published);

        await admin.ExecuteAsync("ACL", "SETUSER", AuthUser, "+@all");

        await UntilAsync(() => Publisher.Published == 1 && Publisher.Queued == 0, "the queued publish to land");
        await UntilAsync(() => !Cache.TryGetValid(key, out _, out _), "the revocation to reach the cache");
    }

    private (CredentialKey Key, byte[] Hash) CacheNewCredential() => _harness.CacheNewCredential();

    private static Task UntilAsync(Func<bool> condition, string what) => InvalidationHarness.UntilAsync(condition, what);
}

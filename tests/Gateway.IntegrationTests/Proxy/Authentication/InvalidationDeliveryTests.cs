using Gateway.Auth.Invalidation;
using Gateway.Contracts.Credentials;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Gateway.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
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
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly GatewayPrincipal Principal = new("user-i", "ida", "free", ["user"], 100, 60, "access_token", "tag");

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly TestMeterFactory _meters = new();
    private readonly CancellationTokenSource _stop = new();
    private IConnectionMultiplexer _authRedis = null!;
    private IConnectionMultiplexer _proxyRedis = null!;
    private InvalidationPublisher _publisher = null!;
    private InvalidationSubscriber _subscriber = null!;
    private AuthCache _cache = null!;

    private string AuthUser => "auth-" + _suffix;

    private string ProxyUser => "proxy-" + _suffix;

    public async Task InitializeAsync()
    {
        var admin = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);
        foreach (var user in new[] { AuthUser, ProxyUser })
        {
            await admin.ExecuteAsync("ACL", "SETUSER", user, "on", ">secret-" + _suffix, "~*", "&*", "+@all");
        }

        _authRedis = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},user={AuthUser},password=secret-{_suffix}");
        _proxyRedis = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},user={ProxyUser},password=secret-{_suffix}");
        _publisher = new InvalidationPublisher(
            _authRedis,
            new StaticOptionsMonitor<InvalidationOptions>(new InvalidationOptions { PublishWait = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(100) }),
            NullLogger<InvalidationPublisher>.Instance);
        var cacheOptions = new StaticOptionsMonitor<AuthCacheOptions>(new AuthCacheOptions
        {
            PositiveTtlJitter = 0,
            SequenceCheckInterval = TimeSpan.FromMilliseconds(200),
            SequenceSilenceLimit = TimeSpan.FromSeconds(1),
        });
        _cache = new AuthCache(cacheOptions, new ProxyMetrics(_meters), TimeProvider.System);
        _subscriber = new InvalidationSubscriber(_proxyRedis, _cache, cacheOptions, TimeProvider.System, NullLogger<InvalidationSubscriber>.Instance);
        await _publisher.StartAsync(_stop.Token);
        await _subscriber.StartAsync(_stop.Token);
        await UntilAsync(() => _cache.InvalidationsLive, "the subscriber to be in step");
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _subscriber.StopAsync(CancellationToken.None);
        await _publisher.StopAsync(CancellationToken.None);
        await _proxyRedis.DisposeAsync();
        await _authRedis.DisposeAsync();
        _stop.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public async Task ARevocation_IsPublished_AndEvictsTheCachedAnswer()
    {
        var (key, hash) = CacheNewCredential();

        await _publisher.CredentialRevokedAsync(hash);

        await UntilAsync(() => !_cache.TryGetValid(key, out _, out _), "the revoked credential to leave the cache");
        Assert.True(_cache.InvalidationsLive);
    }

    [Fact]
    public async Task AnInvalidationThisReplicaNeverReceived_IsFoundOutFromTheNumbering_AndEverythingCachedGoes()
    {
        var (key, _) = CacheNewCredential();

        // A number given out whose message never reached this replica.
        await redis.Redis.GetDatabase().StringIncrementAsync(Gateway.Contracts.Invalidation.AuthInvalidations.SequenceKey);

        await UntilAsync(() => !_cache.TryGetValid(key, out _, out _), "the answers cached before the missed invalidation to go");
        Assert.True(_cache.InvalidationsLive);
    }

    [Fact]
    public async Task ARevocationWhileTheReplicaIsCutOff_TakesEffectWhenItIsBack_AndItIsOutOfStepMeanwhile()
    {
        var (key, hash) = CacheNewCredential();
        var admin = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);

        // Cut the proxy off: no channel (Redis drops its subscription connection) and no reads.
        await admin.ExecuteAsync("ACL", "SETUSER", ProxyUser, "resetchannels", "-@all", "+@connection");
        await UntilAsync(() => !_cache.InvalidationsLive, "the cut-off replica to fall out of step");
        await _publisher.CredentialRevokedAsync(hash);
        await UntilAsync(() => _publisher.Published >= 1, "the revocation to be published");

        await admin.ExecuteAsync("ACL", "SETUSER", ProxyUser, "&*", "+@all");

        await UntilAsync(() => _cache.InvalidationsLive, "the replica to be in step again");
        Assert.False(_cache.TryGetValid(key, out _, out _), "the revocation it missed must have taken effect");
    }

    [Fact]
    public async Task APublishRedisRefused_IsRetriedUntilItLands()
    {
        var (key, hash) = CacheNewCredential();
        var admin = redis.Redis.GetServer(redis.Redis.GetEndPoints()[0]);

        await admin.ExecuteAsync("ACL", "SETUSER", AuthUser, "-@scripting");
        await _publisher.CredentialRevokedAsync(hash);
        await UntilAsync(() => _publisher.Retries >= 2, "the refused publish to be retried");
        Assert.Equal(1, _publisher.Queued);
        Assert.Equal(0, _publisher.Published);

        await admin.ExecuteAsync("ACL", "SETUSER", AuthUser, "+@all");

        await UntilAsync(() => _publisher.Published == 1 && _publisher.Queued == 0, "the queued publish to land");
        await UntilAsync(() => !_cache.TryGetValid(key, out _, out _), "the revocation to reach the cache");
    }

    private (CredentialKey Key, byte[] Hash) CacheNewCredential()
    {
        var credential = CredentialFormat.NewAccessToken();
        var key = CredentialKey.From(credential);
        _cache.Store(key, Gateway.Proxy.Authentication.AuthLookup.Valid(Principal, expiresAt: null), _cache.Generation);
        Assert.True(_cache.TryGetValid(key, out _, out _));
        return (key, CredentialFormat.Hash(credential));
    }

    private static Task UntilAsync(Func<bool> condition, string what) =>
        Poll.UntilAsync(_ => Task.FromResult(condition() ? "yes" : null), Deadline, what);
}

using Gateway.Auth.Invalidation;
using Gateway.Contracts.Credentials;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Gateway.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// The auth service's invalidation publisher and one proxy's subscriber and cache, on connections
/// the test gives (each side its own user), with short checks so tests see the numbering act in
/// well under a second.
/// </summary>
internal sealed class InvalidationHarness : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static readonly GatewayPrincipal Principal = new("user-i", "ida", "free", ["user"], 100, 60, "access_token", "tag");

    private readonly TestMeterFactory _meters = new();
    private readonly CancellationTokenSource _stop = new();

    private InvalidationHarness(IConnectionMultiplexer authRedis, IConnectionMultiplexer proxyRedis, ILogger<InvalidationSubscriber>? subscriberLogger)
    {
        Publisher = new InvalidationPublisher(
            authRedis,
            new StaticOptionsMonitor<InvalidationOptions>(new InvalidationOptions { PublishWait = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromMilliseconds(100) }),
            NullLogger<InvalidationPublisher>.Instance);
        var cacheOptions = new StaticOptionsMonitor<AuthCacheOptions>(new AuthCacheOptions
        {
            PositiveTtlJitter = 0,
            SequenceCheckInterval = TimeSpan.FromMilliseconds(200),
            SequenceSilenceLimit = TimeSpan.FromSeconds(1),
        });
        Cache = new AuthCache(cacheOptions, new ProxyMetrics(_meters), TimeProvider.System);
        Subscriber = new InvalidationSubscriber(proxyRedis, Cache, cacheOptions, TimeProvider.System, subscriberLogger ?? NullLogger<InvalidationSubscriber>.Instance);
    }

    public InvalidationPublisher Publisher { get; }

    public InvalidationSubscriber Subscriber { get; }

    public AuthCache Cache { get; }

    /// <summary>Starts both sides and waits until the subscriber is in step.</summary>
    public static async Task<InvalidationHarness> StartAsync(IConnectionMultiplexer authRedis, IConnectionMultiplexer proxyRedis, ILogger<InvalidationSubscriber>? subscriberLogger = null)
    {
        var harness = new InvalidationHarness(authRedis, proxyRedis, subscriberLogger);
        await harness.Publisher.StartAsync(harness._stop.Token);
        await harness.Subscriber.StartAsync(harness._stop.Token);
        await UntilAsync(() => harness.Cache.InvalidationsLive, "the subscriber to be in step");
        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Subscriber.StopAsync(CancellationToken.None);
        await Publisher.StopAsync(CancellationToken.None);
        _stop.Dispose();
        _meters.Dispose();
    }

    /// <summary>A new credential with an answer in the cache; its hash, for revoking it.</summary>
    public (CredentialKey Key, byte[] Hash) CacheNewCredential()
    {
        var credential = CredentialFormat.NewAccessToken();
        var key = CredentialKey.From(credential);
        Cache.Store(key, AuthLookup.Valid(Principal, expiresAt: null), Cache.Generation);
        Assert.True(Cache.TryGetValid(key, out _, out _));
        return (key, CredentialFormat.Hash(credential));
    }

    public bool IsCached(CredentialKey key) => Cache.TryGetValid(key, out _, out _);

    public static Task UntilAsync(Func<bool> condition, string what) =>
        Poll.UntilAsync(_ => Task.FromResult(condition() ? "yes" : null), Deadline, what);
}

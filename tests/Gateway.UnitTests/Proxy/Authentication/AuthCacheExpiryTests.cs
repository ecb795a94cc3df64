using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>
/// Positive answers cached together must not expire together (a wave of lookups five minutes after
/// a busy start), and none may outlive the TTL, which is the revocation bound while invalidations
/// are missed.
/// </summary>
public sealed class AuthCacheExpiryTests : IAsyncDisposable
{
    private const int Keys = 1_000;
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;
    private readonly AuthCache _cache;

    public AuthCacheExpiryTests()
    {
        _services = new ServiceCollection()
            .AddMetrics()
            .AddOptions()
            .Configure<AuthCacheOptions>(o => o.PositiveTtl = Ttl)
            .AddSingleton<ProxyMetrics>()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<AuthCache>()
            .BuildServiceProvider();
        _cache = _services.GetRequiredService<AuthCache>();
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public void AnswersStoredAtOnce_ExpireSpreadOverTheJitter_NeverAfterTheTtl()
    {
        var jitter = _services.GetRequiredService<IOptions<AuthCacheOptions>>().Value.PositiveTtlJitter;
        Assert.Equal(0.2, jitter);
        var keys = Enumerable.Range(0, Keys).Select(i => CredentialKey.From($"gw_at_{i:D43}")).ToArray();
        foreach (var key in keys)
        {
            var principal = new GatewayPrincipal("u", "ada", "free", ["user"], 100, 60, "access_token", "tag");
            _cache.Store(key, AuthLookup.Valid(principal, expiresAt: null), _cache.Generation);
        }

        // Just before the earliest possible expiry every answer is still there...
        _time.Advance(Ttl * (1 - jitter) - TimeSpan.FromSeconds(1));
        Assert.Equal(Keys, Fresh(keys));

        // ...halfway through the jitter about half have gone (binomial: 500 ± 16; 350-650 is > 9 sigma)...
        _time.Advance(TimeSpan.FromSeconds(1) + Ttl * (jitter / 2));
        Assert.InRange(Fresh(keys), 350, 650);

        // ...and at the TTL none is left.
        _time.Advance(Ttl * (jitter / 2));
        Assert.Equal(0, Fresh(keys));
    }

    private int Fresh(CredentialKey[] keys) => keys.Count(key => _cache.TryGetValid(key, out _, out _));
}

using System.Net;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>
/// A credential in steady use is revalidated in the background in the last fifth of its cache
/// entry's life, once, so no request of it waits for the auth service when the entry would have
/// expired; what the revalidation learns (still valid, no longer valid) replaces the entry.
/// </summary>
public sealed class RefreshAheadTests : IAsyncDisposable
{
    private const string Token = "gw_at_RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR";
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);
    private static readonly CredentialKey Key = CredentialKey.From(Token);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));
    private readonly ScriptedValidator _validator = new();
    private readonly ServiceProvider _services;
    private readonly AuthCache _cache;
    private readonly CachedAuthentication _authentication;
    private readonly ProxyMetrics _metrics;

    public RefreshAheadTests()
    {
        _services = AuthServices.Build(_validator, _time, cache: o =>
        {
            o.PositiveTtl = Ttl;
            o.PositiveTtlJitter = 0;
        });
        _cache = _services.GetRequiredService<AuthCache>();
        _authentication = _services.GetRequiredService<CachedAuthentication>();
        _metrics = _services.GetRequiredService<ProxyMetrics>();
        _cache.Store(Key, AuthLookup.Valid(Principal(), expiresAt: null), _cache.Generation);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public void HitsInTheLastFifth_RevalidateOnce_AndTheCredentialStaysCachedPastTheOldExpiry()
    {
        // Before the last fifth (4 of 5 minutes): hits, nothing sent.
        _time.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(1));
        Assert.True(_authentication.TryAuthenticate(Request()));
        Assert.Equal(0, _validator.Calls);

        // In it: the first hit starts one revalidation, the next hits do not start another.
        _time.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 5; i++)
        {
            Assert.True(_authentication.TryAuthenticate(Request()));
        }

        Assert.Equal(1, _validator.Calls);

        // Its answer replaced the entry: past the first answer's expiry the credential is still a hit,
        // and no request ever missed.
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(_authentication.TryAuthenticate(Request()));
        var counters = _metrics.ReadAuthCounters();
        Assert.Equal(0, counters.CacheMisses);
        Assert.Equal(1, counters.CacheRefreshes);

        // The new entry has a last fifth of its own (refreshed at 4:01, due again from 8:01).
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(_authentication.TryAuthenticate(Request()));
        Assert.Equal(2, _validator.Calls);
    }

    [Fact]
    public void RevalidationSaysNoLongerValid_TheEntryGoes_AndTheCredentialIsRejectedFromTheCache()
    {
        _validator.Next = AuthLookup.Invalid;
        _time.Advance(TimeSpan.FromMinutes(4.5));

        // This request is still served from the entry it found (the revalidation is not awaited)...
        Assert.True(_authentication.TryAuthenticate(Request()));

        // ...the next one finds a definitive "invalid" answer, without asking again.
        Assert.False(_authentication.TryAuthenticate(Request()));
        Assert.True(_cache.TryGet(Key, out var principal, out _));
        Assert.Null(principal);
        Assert.Equal(1, _validator.Calls);
    }

    [Fact]
    public void AuthUnavailable_TheEntryServesUntilItsExpiry_ThenAnOrdinaryMiss()
    {
        _validator.Next = AuthLookup.Unavailable(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromMinutes(4.5));
        Assert.True(_authentication.TryAuthenticate(Request()));
        Assert.True(_authentication.TryAuthenticate(Request()));
        Assert.Equal(1, _validator.Calls);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(_authentication.TryAuthenticate(Request()));
    }

    [Fact]
    public async Task NoFreeLookupSlot_NothingIsSent_AndAMissLaterAsksItself()
    {
        // The request's client has every slot (8) taken by misses the auth service has not answered.
        var lookups = _services.GetRequiredService<CredentialLookups>();
        _validator.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = Enumerable.Range(0, 8)
            .Select(i => lookups.ValidateAsync(CredentialKey.From($"gw_at_{i:D43}"), $"gw_at_{i:D43}", Request(), CancellationToken.None))
            .ToList();
        Assert.Equal(8, _validator.Calls);

        _time.Advance(TimeSpan.FromMinutes(4.5));
        Assert.True(_authentication.TryAuthenticate(Request()));
        Assert.Equal(8, _validator.Calls);
        Assert.Equal(0, _metrics.ReadAuthCounters().CacheRefreshes);

        _validator.Gate.SetResult();
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromMinutes(1));
        var answer = await lookups.ValidateAsync(Key, Token, Request(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(AuthLookupStatus.Valid, answer.Status);
        Assert.Equal(9, _validator.Calls);
    }

    [Fact]
    public void InvalidationsDown_NoRefreshAhead_EntriesLiveTheDegradedTtl()
    {
        _cache.MarkOutOfStep();
        _cache.Store(Key, AuthLookup.Valid(Principal(), expiresAt: null), _cache.Generation);
        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.True(_authentication.TryAuthenticate(Request()));
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(_authentication.TryAuthenticate(Request()));
        Assert.Equal(0, _validator.Calls);
    }

    private static DefaultHttpContext Request()
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = "HTTP/1.1";
        context.Request.Headers.Authorization = "Bearer " + Token;
        context.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.20");
        return context;
    }

    private static GatewayPrincipal Principal() => new("user-r", "rene", "free", ["user"], 100, 60, "access_token", "tag");

    /// <summary>Answers <see cref="Next"/> (valid by default), after <see cref="Gate"/> if one is set.</summary>
    private sealed class ScriptedValidator : IAuthValidator
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public AuthLookup? Next { get; set; }

        public TaskCompletionSource? Gate { get; set; }

        public async Task<AuthLookup> ValidateAsync(string credential)
        {
            Interlocked.Increment(ref _calls);
            if (Gate is { } gate)
            {
                await gate.Task;
            }

            return Next ?? AuthLookup.Valid(Principal(), expiresAt: null);
        }
    }
}

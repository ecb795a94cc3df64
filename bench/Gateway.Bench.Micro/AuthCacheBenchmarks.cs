using BenchmarkDotNet.Attributes;
using Gateway.Proxy.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Bench.Micro;

/// <summary>The authentication hot path on a cache hit: hash the credential, look it up.</summary>
[MemoryDiagnoser]
public class AuthCacheBenchmarks
{
    // Shaped like an access token the auth service issues: gw_at_ + 43 base64url characters.
    private const string Token = "gw_at_Q2hhbmdlIG1lIGJ1dCBrZWVwIG1lIDQzIGNoYXJzIGx";

    private ServiceProvider? _services;
    private AuthCache? _cache;
    private CredentialKey _key;

    [GlobalSetup]
    public void Setup()
    {
        (var metrics, _services) = Shared.CreateMetrics();
        _cache = new AuthCache(new FixedOptionsMonitor<AuthCacheOptions>(new AuthCacheOptions()), metrics, TimeProvider.System);
        _key = CredentialKey.From(Token);
        // Primed as a first request's lookup leaves it: the answer stored.
        _cache.Store(_key, AuthLookup.Valid(Shared.Principal(), null), _cache.Generation);
        if (!_cache.TryGet(_key, out _, out _))
        {
            throw new InvalidOperationException("the auth cache was not primed");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services?.Dispose();

    [Benchmark(Description = "CredentialKey.From (SHA-256 of the token)")]
    public ulong CredentialKeyFrom() => CredentialKey.From(Token.AsSpan()).A;

    [Benchmark(Description = "AuthCache.TryGet, hit (key precomputed)")]
    public object? TryGetHit()
    {
        _cache!.TryGet(_key, out var principal, out _);
        return principal;
    }

    [Benchmark(Baseline = true, Description = "cache hit: CredentialKey.From + AuthCache.TryGet")]
    public object? KeyAndTryGet()
    {
        _cache!.TryGet(CredentialKey.From(Token.AsSpan()), out var principal, out _);
        return principal;
    }
}

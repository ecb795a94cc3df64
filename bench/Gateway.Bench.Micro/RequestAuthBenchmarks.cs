using BenchmarkDotNet.Attributes;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Authorization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Bench.Micro;

/// <summary>
/// Authentication and authorization of one request with a cached credential, as the proxy's
/// pipeline runs them: <see cref="CachedAuthentication"/> (header read, hash memoised on the
/// keep-alive connection, cache lookup, principal set) and <see cref="GatewayPolicyEvaluator"/> on
/// the routes' "authenticated" policy. One request object is reused, as Kestrel reuses a
/// connection's HttpContext.
/// </summary>
[MemoryDiagnoser]
public class RequestAuthBenchmarks
{
    private const string Token = "gw_at_Q2hhbmdlIG1lIGJ1dCBrZWVwIG1lIDQzIGNoYXJzIGx";

    private ServiceProvider? _services;
    private ServiceProvider? _metricServices;
    private CachedAuthentication? _authentication;
    private IPolicyEvaluator? _evaluator;
    private AuthorizationPolicy? _policy;
    private readonly DefaultHttpContext _request = new();

    [GlobalSetup]
    public void Setup()
    {
        (var metrics, _metricServices) = Shared.CreateMetrics();
        // No refresh-ahead: the benchmark measures hits, and no lookup path exists here.
        var cache = new AuthCache(new FixedOptionsMonitor<AuthCacheOptions>(new AuthCacheOptions { RefreshAhead = 0 }), metrics, TimeProvider.System);
        cache.Store(CredentialKey.From(Token), AuthLookup.Valid(Shared.Principal(), null), cache.Generation);
        if (!cache.TryGetValid(CredentialKey.From(Token), out _, out _))
        {
            throw new InvalidOperationException("the auth cache was not primed");
        }

        _authentication = new CachedAuthentication(cache, lookups: null!);
        var services = new ServiceCollection().AddLogging();
        services.AddAuthorization();
        _services = services.BuildServiceProvider();
        _evaluator = new GatewayPolicyEvaluator(_services.GetRequiredService<IServiceScopeFactory>());
        _policy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();

        _request.RequestServices = _services;
        _request.Request.Protocol = "HTTP/1.1";
        _request.Request.Headers.Authorization = "Bearer " + Token;
        _request.Features.Set<IConnectionItemsFeature>(new ConnectionItems());
        if (!Authenticate() || !Authorize())
        {
            throw new InvalidOperationException("the request was not authenticated and authorized from the cache");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services?.Dispose();
        _metricServices?.Dispose();
    }

    [Benchmark(Description = "request authenticated from the cache (CachedAuthentication)")]
    public bool Authenticate() => _authentication!.TryAuthenticate(_request);

    [Benchmark(Description = "cached caller authorized, 'authenticated' policy (GatewayPolicyEvaluator)")]
    public bool Authorize()
    {
        var authenticated = _evaluator!.AuthenticateAsync(_policy!, _request).GetAwaiter().GetResult();
        return _evaluator.AuthorizeAsync(_policy!, authenticated, _request, null).GetAwaiter().GetResult().Succeeded;
    }

    private sealed class ConnectionItems : IConnectionItemsFeature
    {
        public IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
    }
}

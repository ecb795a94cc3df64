using Gateway.Proxy.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>
/// The authentication of cached credentials without ASP.NET's authentication middleware: only a
/// valid cache hit is taken, with the handler's own principal and result; everything else is left
/// to the middleware and the handler, untouched and uncounted.
/// </summary>
public sealed class CachedAuthenticationTests : IAsyncDisposable
{
    private const string Valid = "gw_at_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private const string ValidKey = "gw_key_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
    private const string Revoked = "gw_at_CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC";
    private const string Unknown = "gw_at_DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD";

    private readonly ServiceProvider _services;
    private readonly CountingValidator _validator = new();
    private readonly AuthCache _cache;
    private readonly CachedAuthentication _authentication;

    public CachedAuthenticationTests()
    {
        _services = AuthServices.Build(_validator, TimeProvider.System);
        _cache = _services.GetRequiredService<AuthCache>();
        _authentication = _services.GetRequiredService<CachedAuthentication>();
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    [Theory]
    [InlineData("Authorization", "Bearer " + Valid)]
    [InlineData("Authorization", "bearer  " + Valid + " ")]
    [InlineData("X-Api-Key", ValidKey)]
    public async Task ValidCachedCredential_IsAuthenticatedWithTheHandlersResult(string header, string value)
    {
        var principal = await Remember(header == "X-Api-Key" ? ValidKey : Valid);
        var context = Request((header, value));

        Assert.True(_authentication.TryAuthenticate(context));

        Assert.Same(principal, context.User);
        Assert.True(context.User.Identity?.IsAuthenticated);
        Assert.Same(principal.Result, context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult);
        Assert.Same(principal, context.Features.Get<IHttpAuthenticationFeature>()?.User);
        Assert.Equal(1, _validator.Calls);
    }

    [Fact]
    public async Task AnythingButAValidHit_IsLeftToTheHandler_WithoutALookupOrAnIdentity()
    {
        await Remember(Valid);
        await Remember(Revoked);
        var calls = _validator.Calls;

        var requests = new[]
        {
            Request(("Authorization", "Bearer " + Unknown)),
            Request(("Authorization", "Bearer " + Revoked)),
            Request(("Authorization", "Basic " + Valid)),
            Request(("Authorization", "Bearer gw_at_short")),
            Request(("X-Api-Key", ValidKey), ("X-Api-Key", ValidKey)),
            Request(),
        };

        foreach (var context in requests)
        {
            Assert.False(_authentication.TryAuthenticate(context));
            Assert.False(context.User.Identity?.IsAuthenticated ?? false);
            Assert.Null(context.Features.Get<IAuthenticateResultFeature>());
        }

        // The fast path never calls the auth service: misses are the handler's to validate.
        Assert.Equal(calls, _validator.Calls);
    }

    [Fact]
    public async Task Authorization_WinsOverXApiKey_AsInTheHandler()
    {
        await Remember(ValidKey);
        var context = Request(("Authorization", "Bearer " + Unknown), ("X-Api-Key", ValidKey));

        Assert.False(_authentication.TryAuthenticate(context));
    }

    [Fact]
    public async Task FeaturesArePerRequest_ChangingOneRequestsUserLeavesTheOthers()
    {
        var principal = await Remember(Valid);
        var first = Request(("Authorization", "Bearer " + Valid));
        var second = Request(("Authorization", "Bearer " + Valid));
        Assert.True(_authentication.TryAuthenticate(first));
        Assert.True(_authentication.TryAuthenticate(second));

        first.User = new System.Security.Claims.ClaimsPrincipal();

        Assert.Same(principal, second.User);
        Assert.Null(first.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult);
        Assert.Same(principal.Result, second.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult);
    }

    private async Task<GatewayPrincipal> Remember(string credential)
    {
        var lookup = await _validator.ValidateAsync(credential);
        _cache.Store(CredentialKey.From(credential), lookup, _cache.Generation);
        return lookup.Principal ?? NewPrincipal();
    }

    private static DefaultHttpContext Request(params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Protocol = "HTTP/1.1";
        foreach (var group in headers.GroupBy(h => h.Name))
        {
            context.Request.Headers[group.Key] = group.Select(h => h.Value).ToArray();
        }

        return context;
    }

    private static GatewayPrincipal NewPrincipal() =>
        new("user-1", "ada", "free", ["user"], 100, 60, "access_token", "tag");

    private sealed class CountingValidator : IAuthValidator
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<AuthLookup> ValidateAsync(string credential)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult(credential is Valid or ValidKey
                ? AuthLookup.Valid(NewPrincipal(), DateTimeOffset.UtcNow.AddHours(1))
                : AuthLookup.Invalid);
        }
    }
}

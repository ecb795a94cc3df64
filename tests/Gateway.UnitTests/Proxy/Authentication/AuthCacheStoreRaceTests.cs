using Gateway.Proxy.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>
/// An answer obtained before an invalidation is never left in the cache by it, even when the
/// invalidation runs while the answer is being stored (check and store are one step).
/// </summary>
public sealed class AuthCacheStoreRaceTests
{
    [Fact]
    public async Task StoreRacingAnInvalidation_NeverLeavesTheStaleAnswer()
    {
        await using var services = AuthServices.Build(new ThrowingValidator(), TimeProvider.System);
        var cache = services.GetRequiredService<AuthCache>();
        var key = CredentialKey.From("gw_at_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS");
        var principal = new GatewayPrincipal("user-s", "sam", "free", ["user"], 100, 60, "access_token", "tag");
        using var barrier = new Barrier(2);

        for (var round = 0; round < 20_000; round++)
        {
            // The answer was asked for before the revocation: its generation is the old one.
            var generation = cache.Generation;
            var store = Task.Run(() =>
            {
                barrier.SignalAndWait();
                cache.Store(key, AuthLookup.Valid(principal, expiresAt: null), generation);
            });
            var invalidate = Task.Run(() =>
            {
                barrier.SignalAndWait();
                cache.Invalidate(key);
            });
            await Task.WhenAll(store, invalidate);

            Assert.False(cache.TryGetValid(key, out _, out _), $"round {round}: a revoked credential's answer stayed cached");
            Assert.Equal(0, cache.ApproximateBytes);
        }
    }

    private sealed class ThrowingValidator : IAuthValidator
    {
        public Task<AuthLookup> ValidateAsync(string credential) =>
            throw new InvalidOperationException("not called");
    }
}

using System.Net;
using Aspire.Hosting.Testing;
using Gateway.Auth.V1;
using Gateway.Contracts.Invalidation;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.Security;

/// <summary>
/// A revocation takes effect on every replica within its documented bound (5 s: see
/// docs/security.md) even when the replicas did not hear it, and one Redis could not take is
/// published once Redis is back.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class RevocationDeliveryTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    /// <summary>The documented bound, plus room for a loaded 2-core runner; the defect it guards is 5 minutes.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ARevocationPublishedWhileTheProxiesSubscriptionIsCut_TakesEffectOnEveryReplica()
    {
        var token = await CachedTokenAsync();

        // Cut off, the proxies' subscriptions drop: the invalidation below reaches no replica.
        await ProxySubscriptions.CutWhileAsync(Fixture.App, async () =>
        {
            var revoked = await AuthClients.Auth.RevokeTokenAsync(new RevokeTokenRequest { AccessToken = token }, deadline: AuthClients.Deadline());
            Assert.True(revoked.Revoked);
        });

        foreach (var replica in Replicas.Clients)
        {
            await ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get("/api/hello", token), HttpStatusCode.Unauthorized, Bound, "a revocation the replica did not hear to take effect");
        }
    }

    [Fact]
    public async Task ARevocationWhileRedisIsDown_IsPublishedWhenItIsBack()
    {
        var token = await CachedTokenAsync();
        await AppResources.WhileStoppedAsync(Fixture.App, "redis", async () =>
        {
            // The revocation commits in PostgreSQL; its invalidation waits in the auth service.
            var revoked = await AuthClients.Auth.RevokeTokenAsync(new RevokeTokenRequest { AccessToken = token }, deadline: AuthClients.Deadline());
            Assert.True(revoked.Revoked);
        });

        // Redis started empty (no persistence): a number on the key is the queued invalidation,
        // published after the restart.
        await using var admin = await ConnectionMultiplexer.ConnectAsync((await Fixture.App.GetConnectionStringAsync("redis"))!);
        await Poll.UntilAsync(
            async _ => (long?)await admin.GetDatabase().StringGetAsync(AuthInvalidations.SequenceKey) >= 1 ? "published" : null,
            Bound,
            "the queued invalidation to be published");
        foreach (var replica in Replicas.Clients)
        {
            await ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get("/api/hello", token), HttpStatusCode.Unauthorized, Bound, "the revocation to take effect");
        }
    }

    /// <summary>A new user's token, answered (and so cached) by every replica.</summary>
    private async Task<string> CachedTokenAsync()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        foreach (var replica in Replicas.Clients)
        {
            await ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get("/api/hello", login.AccessToken), HttpStatusCode.OK, Bound, "the token to be accepted");
        }

        return login.AccessToken;
    }
}

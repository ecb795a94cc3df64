using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.EndToEndTests.Auth;

/// <summary>The dashboard's own RPC: only with the shared service key, and it tells exactly the user's standing.</summary>
[Collection(GatewayAppCollection.Name)]
public sealed class DashboardServiceTests(GatewayAppFixture fixture) : IDisposable
{
    private readonly AuthClients _clients = new(fixture.App);

    [Fact]
    public async Task GetUserStanding_ServiceKeyRequired_AnswersRolesAndDisabled_UnknownUserNotFound()
    {
        var (userName, _, login) = await _clients.NewLoggedInUserAsync();
        var key = await ServiceKeyAsync();

        foreach (var wrong in new[] { "not-the-key-" + Guid.NewGuid(), key + "x", key[..^1] })
        {
            var refused = await AuthClients.ThrowsRpcAsync(() => _clients.Dashboard.GetUserStandingAsync(
                new GetUserStandingRequest { ServiceKey = wrong, UserId = login.UserId }, deadline: AuthClients.Deadline()).ResponseAsync);
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }

        var missing = await AuthClients.ThrowsRpcAsync(() => _clients.Dashboard.GetUserStandingAsync(
            new GetUserStandingRequest { UserId = login.UserId }, deadline: AuthClients.Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);

        var standing = await _clients.Dashboard.GetUserStandingAsync(new GetUserStandingRequest { ServiceKey = key, UserId = login.UserId }, deadline: AuthClients.Deadline());
        Assert.False(standing.Disabled);
        Assert.Equal(["user"], standing.Roles);

        var adminToken = await _clients.AdminTokenAsync(fixture.App);
        await _clients.Admin.SetUserDisabledAsync(new SetUserDisabledRequest { AccessToken = adminToken, UserName = userName, Disabled = true }, deadline: AuthClients.Deadline());
        standing = await _clients.Dashboard.GetUserStandingAsync(new GetUserStandingRequest { ServiceKey = key, UserId = login.UserId }, deadline: AuthClients.Deadline());
        Assert.True(standing.Disabled);

        var unknown = await AuthClients.ThrowsRpcAsync(() => _clients.Dashboard.GetUserStandingAsync(
            new GetUserStandingRequest { ServiceKey = key, UserId = Guid.NewGuid().ToString("D") }, deadline: AuthClients.Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    private Task<string> ServiceKeyAsync() => AppResources.ParameterAsync(fixture.App, "dashboard-service-key");

    public void Dispose() => _clients.Dispose();
}

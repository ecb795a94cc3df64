using Aspire.Hosting.ApplicationModel;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Grpc.Core;

namespace Gateway.EndToEndTests.Auth;

/// <summary>
/// A database outage is UNAVAILABLE, never "invalid token", and the service recovers by itself.
/// Runs in the shared app's collection (tests there run one at a time) and restarts PostgreSQL
/// before it ends.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class AuthDatabaseOutageTests(GatewayAppFixture fixture) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly AuthClients _clients = new(fixture.App);

    [Fact]
    public async Task ValidateToken_PostgresDown_UnavailableThenRecoversWhenBack()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var (_, _, login) = await _clients.NewLoggedInUserAsync();
        var request = new ValidateTokenRequest { Credential = login.AccessToken };

        await fixture.App.ResourceCommands.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand, cts.Token);
        await fixture.App.ResourceNotifications.WaitForResourceAsync(
            "postgres", e => e.Snapshot.State?.Text is "Finished" or "Exited", cts.Token);
        try
        {
            var error = await AuthClients.ThrowsRpcAsync(() => _clients.Auth.ValidateTokenAsync(request, deadline: AuthClients.Deadline()).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }
        finally
        {
            await fixture.App.ResourceCommands.ExecuteCommandAsync("postgres", KnownResourceCommands.StartCommand, cts.Token);
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("postgres", cts.Token);
        }

        // Recovery without restarting the auth service.
        var response = await Poll.UntilAsync<ValidateTokenResponse>(
            async ct =>
            {
                try
                {
                    return await _clients.Auth.ValidateTokenAsync(request, deadline: AuthClients.Deadline(), cancellationToken: ct);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
                {
                    return null;
                }
            },
            Timeout,
            "ValidateToken to succeed after PostgreSQL restarted");

        Assert.True(response.Valid);

        // Writes too, at once: the connections pooled before the restart were dropped with the
        // first failure (StaleConnections), not left to fail one request each (a registration
        // right after this test used to get UNAVAILABLE).
        for (var i = 0; i < 8; i++)
        {
            var registered = await _clients.Auth.RegisterAsync(
                new RegisterRequest { UserName = AuthClients.NewUserName(), Password = AuthClients.NewPassword() },
                deadline: AuthClients.Deadline(),
                cancellationToken: cts.Token);
            Assert.False(string.IsNullOrEmpty(registered.UserId));
        }
    }

    public void Dispose() => _clients.Dispose();
}

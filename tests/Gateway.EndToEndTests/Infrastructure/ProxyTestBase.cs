namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>
/// Shared set-up of the integration tests that drive the proxy: gRPC clients of the auth service
/// and one HttpClient per proxy replica, against the collection's running app.
/// </summary>
public abstract class ProxyTestBase(GatewayAppFixture fixture) : IAsyncLifetime
{
    protected GatewayAppFixture Fixture { get; } = fixture;

    protected AuthClients AuthClients { get; } = new(fixture.App);

    protected ProxyReplicas Replicas { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Replicas = await ProxyReplicas.ConnectAsync(Fixture.App);

    public virtual Task DisposeAsync()
    {
        Replicas.Dispose();
        AuthClients.Dispose();
        return Task.CompletedTask;
    }
}

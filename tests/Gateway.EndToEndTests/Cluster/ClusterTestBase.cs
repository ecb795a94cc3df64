using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Cluster;

/// <summary>
/// Shared set-up of the tests on the cluster: gRPC clients of the auth service and one HttpClient
/// per proxy replica (as <see cref="ProxyTestBase"/> gives the single-Redis suite).
/// </summary>
public abstract class ClusterTestBase(ClusterAppFixture fixture) : IAsyncLifetime
{
    protected ClusterAppFixture Fixture { get; } = fixture;

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

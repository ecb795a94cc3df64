using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.Cluster;

/// <summary>
/// The AppHost on its six-node Redis Cluster (<c>--Infrastructure:RedisTopology=Cluster</c>,
/// executables path, throwaway PostgreSQL data), started once and shared by the tests of
/// <see cref="ClusterAppCollection"/>. Only what they need: the sample API, the auth service and
/// both proxy replicas (no dashboard), the <c>tiny</c> plan and the strict and approximate
/// rate-limit test routes.
/// </summary>
public sealed class ClusterAppFixture : IAsyncLifetime
{
    /// <summary>
    /// The tiny plan here: small, so that a dozen users at twice their limit through both
    /// replicas fit well inside one window on two cores.
    /// </summary>
    public const int TinyPlanLimit = 100;

    public const int TinyPlanWindowSeconds = 10;

    /// <summary>The limit per user and minute of the test route <c>/rl/local/...</c> (strict, fail mode Local).</summary>
    public const int LocalRouteLimit = 400;

    /// <summary>Users on the tiny plan the rate-limit tests share (their windows are per route, so each test starts from zero).</summary>
    public const int TinyPlanUsers = 12;

    private readonly string _dataDirectory = TestPaths.NewTempDirectory("gateway-cluster-tests-pg");
    private readonly string _certificateDirectory = TestPaths.NewTempDirectory("gateway-cluster-tests-tls");
    private readonly SemaphoreSlim _usersLock = new(1, 1);
    private IReadOnlyList<TinyPlanUser>? _users;

    public DistributedApplication App { get; private set; } = null!;

    public ClusterNodes Nodes { get; private set; } = null!;

    /// <summary><c>CLUSTER INFO</c> of every node, read as soon as <c>redis</c> reported healthy.</summary>
    public IReadOnlyDictionary<string, string?> ClusterInfoWhenHealthy { get; private set; } = new Dictionary<string, string?>();

    /// <summary>From the start of the AppHost to <c>redis</c> healthy (node start, cluster creation, first check).</summary>
    public TimeSpan RedisHealthyAfter { get; private set; }

    /// <summary>When the cluster's resources changed state or health during the start, seconds after it began.</summary>
    public IReadOnlyList<string> StartTimeline { get; private set; } = [];

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(GatewayAppFixture.StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Gateway_AppHost>(
            [
                "--Infrastructure:Mode=Executables",
                "--Infrastructure:RedisTopology=Cluster",
                "--Infrastructure:Ephemeral=true",
                $"--Infrastructure:DataDirectory={_dataDirectory}",
                $"--Gateway:Tls:DevelopmentCertificateDirectory={_certificateDirectory}",
            ],
            cts.Token);
        GatewayTestSettings.QuietLogs(builder);

        // Fewer processes on two shared cores: nothing here needs the live dashboard.
        builder.Resources.Remove(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "dashboard"));
        GatewayTestSettings.NoTelemetryExport(builder);

        GatewayTestSettings.Project(builder, "auth").WithTestPlans(TinyPlanLimit, TinyPlanWindowSeconds);
        GatewayTestSettings.Project(builder, "proxy")
            .WithRateLimitTestRoute("strict", ("Partition", "User"), ("Mode", "Strict"))
            .WithRateLimitTestRoute("approximate", ("Partition", "User"), ("Mode", "Approximate"))
            // Its own limit (not the plan's): room for traffic before and during a failover (ClusterFailoverTrafficTests).
            .WithRateLimitTestRoute("local", ("Partition", "User"), ("Mode", "Strict"), ("FailMode", "Local"), ("Limit", LocalRouteLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("WindowSeconds", "60"))
            // Two cores shared with the test runner: a generous deadline keeps slow-but-alive from reading as down.
            .WithEnvironment("Gateway__AuthService__ValidateDeadline", "00:00:02");

        App = await builder.BuildAsync(cts.Token).WaitAsync(cts.Token);
        var started = Stopwatch.GetTimestamp();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        var timeline = WatchStartAsync(started, stopWatching.Token);
        Nodes = await ClusterNodes.ConnectAsync(App);
        // StartAsync returns once every resource was started, long after redis was healthy (the
        // projects wait for it, then for each other): look at the nodes the moment it is.
        var whenHealthy = Task.Run(async () =>
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync("redis", cts.Token);
            RedisHealthyAfter = Stopwatch.GetElapsedTime(started);
            var info = new Dictionary<string, string?>();
            foreach (var node in ClusterNodes.Names)
            {
                info[node] = await Nodes.TryCommandAsync(node, "CLUSTER", "INFO");
            }

            ClusterInfoWhenHealthy = info;
        });
        await App.StartAsync(cts.Token).WaitAsync(cts.Token);
        await whenHealthy.WaitAsync(cts.Token);

        foreach (var resource in new[] { "postgres", "authdb", "sampleapi", "auth" })
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token).WaitAsync(cts.Token);
        }

        await ResourceReplicas.WaitForAllHealthyAsync(App, "proxy", expected: 2, cts.Token);
        await stopWatching.CancelAsync();
        StartTimeline = await timeline;
    }

    /// <summary>
    /// <see cref="TinyPlanUsers"/> users, logged in and on the tiny plan on both replicas; made once
    /// (a dozen password hashes are seconds on two cores) and shared.
    /// </summary>
    public async Task<IReadOnlyList<TinyPlanUser>> TinyPlanUsersAsync()
    {
        await _usersLock.WaitAsync();
        try
        {
            if (_users is null)
            {
                using var clients = new AuthClients(App);
                using var replicas = await ProxyReplicas.ConnectAsync(App);
                var adminToken = await clients.AdminTokenAsync(App);
                _users = await Task.WhenAll(Enumerable.Range(0, TinyPlanUsers).Select(async _ =>
                {
                    var (userName, _, login) = await clients.NewLoggedInUserAsync();
                    await replicas.MoveToPlanAsync(clients, adminToken, userName, login.AccessToken, "tiny", TinyPlanLimit);
                    return new TinyPlanUser(login.UserId, login.AccessToken);
                }));
            }

            return _users;
        }
        finally
        {
            _usersLock.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        _usersLock.Dispose();
        TestPaths.TryDelete(_dataDirectory);
        TestPaths.TryDelete(_certificateDirectory);
    }

    private async Task<IReadOnlyList<string>> WatchStartAsync(long started, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var last = new Dictionary<string, string>();
        try
        {
            await foreach (var resourceEvent in App.ResourceNotifications.WatchAsync(cancellationToken))
            {
                if (!resourceEvent.Resource.Name.StartsWith("redis", StringComparison.Ordinal) || resourceEvent.Resource is ParameterResource)
                {
                    continue;
                }

                var state = $"{resourceEvent.Snapshot.State?.Text} {resourceEvent.Snapshot.HealthStatus}";
                if (!last.TryGetValue(resourceEvent.ResourceId, out var previous) || previous != state)
                {
                    last[resourceEvent.ResourceId] = state;
                    lines.Add($"{Stopwatch.GetElapsedTime(started).TotalSeconds,5:F1} s {resourceEvent.ResourceId}: {state}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return lines;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Reliability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Gateway.Chaos;

/// <summary>
/// The real AppHost on the executables path with a durable PostgreSQL (fsync on) in a temporary
/// data directory, limits raised so that the load generator measures faults, not throttling.
/// </summary>
internal sealed class ChaosApp : IAsyncDisposable
{
    public const string ProxyResource = "proxy";

    public static readonly string[] Services = ["proxy", "auth", "sampleapi", "redis", "postgres"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"gateway-chaos-pg-{Guid.NewGuid():N}");

    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    /// <summary>The public entry point: DCP's balancer in front of every proxy replica, on 127.0.0.1.</summary>
    public Uri ProxyAddress { get; private set; } = null!;

    public string DataDirectory => _dataDirectory;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(StartTimeout);

        // Durable on purpose (no --Infrastructure:Ephemeral): a killed PostgreSQL must recover from
        // its own WAL with fsync on, as in run mode.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Gateway_AppHost>(
            ["--Infrastructure:Mode=Executables", $"--Infrastructure:DataDirectory={_dataDirectory}"],
            cts.Token);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Gateway.AppHost.Resources", LogLevel.None)
            .AddFilter("Aspire", LogLevel.Error)
            .AddFilter("Microsoft", LogLevel.Error)
            // Failing health checks are the point of a fault run, not news.
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));

        // Logs to stderr: stdout is the report.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);

        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            // As in GatewayAppFixture: no dashboard collects telemetry, and exporting to nothing
            // slows every stop by ~10 s.
            builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", string.Empty);
        }

        // Limits far above what 2 cores can push: a 429 here would hide what a fault does.
        var auth = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "auth");
        builder.CreateResourceBuilder(auth)
            .WithEnvironment("Auth__Plans__free__RequestsPerWindow", "100000000");
        var proxy = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == ProxyResource);
        builder.CreateResourceBuilder(proxy)
            .WithEnvironment("Gateway__RateLimiting__Policies__per-ip__Limit", "100000000")
            .WithEnvironment("Gateway__RateLimiting__Policies__per-user__AnonymousLimit", "100000000")
            .WithEnvironment("Gateway__RateLimiting__Policies__auth-endpoints__Limit", "100000000");

        _app = await builder.BuildAsync(cts.Token).WaitAsync(cts.Token);
        await _app.StartAsync(cts.Token).WaitAsync(cts.Token);
        foreach (var resource in new[] { "redis", "postgres", "authdb", "sampleapi", "auth", "dashboard" })
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token).WaitAsync(cts.Token);
        }

        await ProxyReplicasAsync(cts.Token);
        var endpoint = _app.GetEndpoint(ProxyResource, "http");
        ProxyAddress = new UriBuilder(endpoint) { Host = "127.0.0.1" }.Uri;
        Console.Error.WriteLine($"[chaos] app started in {clock.Elapsed.TotalSeconds:F1} s; gateway at {ProxyAddress}; PostgreSQL data in {_dataDirectory}");
    }

    /// <summary>The running, healthy proxy replicas (resource ids).</summary>
    public async Task<IReadOnlyList<ResourceEvent>> ProxyReplicasAsync(CancellationToken cancellationToken)
    {
        var latest = new Dictionary<string, ResourceEvent>();
        await foreach (var resourceEvent in App.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (resourceEvent.Resource.Name != ProxyResource)
            {
                continue;
            }

            latest[resourceEvent.ResourceId] = resourceEvent;
            var healthy = latest.Values.Where(IsHealthy).OrderBy(e => e.ResourceId, StringComparer.Ordinal).ToList();
            if (healthy.Count >= 2)
            {
                return healthy;
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    public static bool IsHealthy(ResourceEvent e) =>
        e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy;

    /// <summary>Current snapshot of one resource (by name) or replica (by resource id).</summary>
    public Task<ResourceEvent> CurrentAsync(string resourceId, CancellationToken cancellationToken) =>
        ResourceProcesses.WaitForAsync(App, resourceId, _ => true, cancellationToken);

    /// <summary>
    /// The pids of the processes that do each service's work (the project itself, not its
    /// <c>dotnet run</c>; redis-server and the postmaster, not their wrapper scripts).
    /// </summary>
    public async Task<IReadOnlyList<(string Name, int Pid)>> ServerPidsAsync(CancellationToken cancellationToken)
    {
        var result = new List<(string, int)>();
        foreach (var replica in await ProxyReplicasAsync(cancellationToken))
        {
            result.Add((replica.ResourceId, await ServerPidAsync(replica.ResourceId, cancellationToken)));
        }

        foreach (var name in Services.Skip(1))
        {
            result.Add((name, await ServerPidAsync(name, cancellationToken)));
        }

        return result;
    }

    public async Task<int> ServerPidAsync(string resourceId, CancellationToken cancellationToken)
    {
        var snapshot = (await CurrentAsync(resourceId, cancellationToken)).Snapshot;
        var launcher = ResourceProcesses.LauncherPid(snapshot) ?? throw new InvalidOperationException($"{resourceId} has no pid.");
        var marker = resourceId switch
        {
            "redis" => "redis-server",
            "postgres" => "postgres -D",
            "auth" => "Gateway.Auth",
            "sampleapi" => "Gateway.SampleApi",
            _ => "Gateway.Proxy",
        };
        return ResourceProcesses.ServerPid(launcher, marker)
            ?? throw new InvalidOperationException($"No process matching '{marker}' under {resourceId} (pid {launcher}).");
    }

    /// <summary>Registers a user through the gateway and logs in; returns the access token.</summary>
    public async Task<string> NewUserTokenAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = ProxyAddress, Timeout = TimeSpan.FromSeconds(30) };
        var user = new { userName = $"chaos-{Guid.NewGuid():N}"[..30], password = $"pw-{Guid.NewGuid():N}" };
        using (var registered = await client.PostAsJsonAsync("/auth/register", user, cancellationToken))
        {
            registered.EnsureSuccessStatusCode();
        }

        using var login = await client.PostAsJsonAsync("/auth/login", user, cancellationToken);
        login.EnsureSuccessStatusCode();
        var body = await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("accessToken").GetString() ?? throw new InvalidOperationException("No access token.");
    }

    public async Task<string> AuthDbConnectionStringAsync(CancellationToken cancellationToken) =>
        await App.GetConnectionStringAsync("authdb", cancellationToken) ?? throw new InvalidOperationException("authdb has no connection string.");

    public static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await _app.StopAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
            {
                Console.Error.WriteLine($"[chaos] stop: {ex.Message}");
            }

            await _app.DisposeAsync();
            Console.Error.WriteLine($"[chaos] app stopped in {clock.Elapsed.TotalSeconds:F1} s");
        }

        try
        {
            if (Directory.Exists(_dataDirectory))
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"[chaos] could not delete {_dataDirectory}: {ex.Message}");
        }
    }
}

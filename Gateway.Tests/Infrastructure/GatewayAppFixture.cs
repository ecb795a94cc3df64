using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The whole AppHost (executables path, throwaway PostgreSQL data), started once and shared by
/// every integration test in <see cref="GatewayAppCollection"/>.
/// </summary>
public sealed class GatewayAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The proxy's negative auth cache bound in tests.</summary>
    public const int NegativeCacheBound = 1_000;

    public static readonly string[] ProjectResources = ["sampleapi", "auth", "proxy", "dashboard"];

    private readonly string _dataDirectory = TestPaths.NewTempDirectory("gateway-tests-pg");

    public DistributedApplication App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Gateway_AppHost>(
            [
                "--Infrastructure:Mode=Executables",
                "--Infrastructure:Ephemeral=true",
                $"--Infrastructure:DataDirectory={_dataDirectory}",
            ],
            cts.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));

        // Test-only proxy settings: a small negative-cache bound (flood test), fast active health
        // checks (rotation test), a route to a closed port (502 test), a relaxed deadline.
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            // No Aspire dashboard runs under the testing builder, yet the OTLP endpoint is still
            // set: exporting (and retrying on shutdown) to nothing slows every stop by ~10 s.
            builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", string.Empty);
        }

        var proxy = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "proxy");
        builder.CreateResourceBuilder(proxy)
            .WithEnvironment("Gateway__AuthCache__MaxNegativeEntries", NegativeCacheBound.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("ReverseProxy__Clusters__sampleapi__HealthCheck__Active__Interval", "00:00:01")
            // Two cores shared with the test runner: a generous deadline keeps slow-but-alive from reading as down.
            .WithEnvironment("Gateway__AuthService__ValidateDeadline", "00:00:02")
            .WithEnvironment("ReverseProxy__Routes__broken__ClusterId", "broken")
            .WithEnvironment("ReverseProxy__Routes__broken__AuthorizationPolicy", "anonymous")
            .WithEnvironment("ReverseProxy__Routes__broken__Match__Path", "/broken/{**rest}")
            .WithEnvironment("ReverseProxy__Clusters__broken__Destinations__closed__Address", "http://127.0.0.1:1");

        App = await builder.BuildAsync(cts.Token).WaitAsync(cts.Token);
        await App.StartAsync(cts.Token).WaitAsync(cts.Token);

        string[] resources = ["redis", "postgres", "authdb", .. ProjectResources];
        foreach (var resource in resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token).WaitAsync(cts.Token);
        }

        await ResourceReplicas.WaitForAllHealthyAsync(App, "proxy", expected: 2, cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        TestPaths.TryDelete(_dataDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayAppCollection : ICollectionFixture<GatewayAppFixture>
{
    public const string Name = "Gateway app";
}

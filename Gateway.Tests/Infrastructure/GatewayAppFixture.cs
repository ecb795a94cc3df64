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

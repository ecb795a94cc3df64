using Gateway.TestSupport;

namespace Gateway.IntegrationTests.Proxy;

/// <summary>Configuration mistakes stop the proxy at start-up instead of serving an open route.</summary>
public sealed class ProxyStartupTests
{
    [Fact]
    public async Task UnknownAuthorizationPolicy_ProxyRefusesToStartWithClearMessage()
    {
        var (exitCode, text) = await RunProxyAsync(new Dictionary<string, string>
        {
            ["ReverseProxy__Routes__api__AuthorizationPolicy"] = "no-such-policy",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Authorization policy 'no-such-policy' not found for route 'api'", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The shipped routes with the anonymous one rewritten into the admin route's backend space
    /// (what <c>/public</c> → <c>/api</c> used to be): the default overlap check refuses to start.
    /// </summary>
    [Fact]
    public async Task OverlappingRoutes_DefaultRefuse_ProxyRefusesToStartNamingBothRoutesAndThePath()
    {
        var (exitCode, text) = await RunProxyAsync(new Dictionary<string, string>
        {
            ["ReverseProxy__Routes__public__Transforms__0__PathPattern"] = "/admin/{**rest}",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("routes 'admin' (policy 'admin') and 'public' (policy 'anonymous') both reach /admin/** on cluster 'sampleapi'", text, StringComparison.Ordinal);
    }

    /// <summary>A route of another cluster whose destination is the sample API's is the same backend.</summary>
    [Fact]
    public async Task OverlappingRoutesOnAnotherClusterWithTheSameDestination_ProxyRefusesToStart()
    {
        var (exitCode, text) = await RunProxyAsync(new Dictionary<string, string>
        {
            ["ReverseProxy__Routes__side__ClusterId"] = "side",
            ["ReverseProxy__Routes__side__AuthorizationPolicy"] = "anonymous",
            ["ReverseProxy__Routes__side__Match__Path"] = "/side/{**rest}",
            ["ReverseProxy__Routes__side__Transforms__0__PathPattern"] = "/pro/{**rest}",
            ["ReverseProxy__Clusters__side__Destinations__one__Address"] = "http://SAMPLEAPI",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("routes 'pro' (policy 'pro-plan') and 'side' (policy 'anonymous') both reach /pro/** on sampleapi (clusters 'sampleapi' and 'side')", text, StringComparison.Ordinal);
    }

    /// <summary>Starts the built proxy with the shipped configuration plus <paramref name="settings"/>, expecting it to exit.</summary>
    private static Task<(int ExitCode, string Output)> RunProxyAsync(Dictionary<string, string> settings) =>
        ProcessRunner.RunAsync(
            "dotnet",
            ["Gateway.Proxy.dll"],
            Path.Combine(TestPaths.RepositoryRoot(), "Gateway.Proxy", "bin", ProcessRunner.Configuration, "net10.0"),
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string>(settings)
            {
                ["ConnectionStrings__redis"] = "127.0.0.1:1,abortConnect=false",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty,
            });
}

using Gateway.TestSupport;

namespace Gateway.IntegrationTests.Proxy;

/// <summary>Configuration mistakes stop the proxy at start-up instead of serving an open route.</summary>
public sealed class ProxyStartupTests
{
    [Fact]
    public async Task UnknownAuthorizationPolicy_ProxyRefusesToStartWithClearMessage()
    {
        var output = Path.Combine(TestPaths.RepositoryRoot(), "Gateway.Proxy", "bin", ProcessRunner.Configuration, "net10.0");

        var (exitCode, text) = await ProcessRunner.RunAsync(
            "dotnet",
            ["Gateway.Proxy.dll"],
            output,
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string>
            {
                ["ConnectionStrings__redis"] = "127.0.0.1:1,abortConnect=false",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty,
                ["ReverseProxy__Routes__api__AuthorizationPolicy"] = "no-such-policy",
            });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Authorization policy 'no-such-policy' not found for route 'api'", text, StringComparison.Ordinal);
    }
}

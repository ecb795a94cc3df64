using Gateway.Proxy.Routing;
using Gateway.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using static Gateway.UnitTests.Proxy.Routing.Routes;

namespace Gateway.UnitTests.Proxy.Routing;

/// <summary>
/// The overlap check inside a real YARP host (in-memory configuration, loopback only): a reloaded
/// configuration with an overlap is not applied, the previous routes keep serving, and the next
/// good configuration is applied. Depends on YARP re-reading the provider on each change token.
/// </summary>
public sealed class OverlapReloadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly ClusterConfig[] Clusters = [Cluster("app", "http://127.0.0.1:1")];

    private static readonly RouteConfig[] Good = [Route("open", "anonymous", "/open/{**rest}"), Route("guarded", "default", "/guarded/{**rest}")];

    [Fact]
    public async Task Reload_OverlappingConfiguration_NotApplied_PreviousRoutesStay_NextGoodOneApplied()
    {
        var logs = new CollectingLoggerProvider();
        var loaded = new RecordingConfigFilter();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<IProxyConfigFilter>(loaded);
        builder.Services.AddReverseProxy().LoadFromMemory(Good, Clusters);
        builder.AddGatewayRouting();
        await using var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync().WaitAsync(Timeout);
        var memory = app.Services.GetRequiredService<InMemoryConfigProvider>();
        var state = app.Services.GetRequiredService<IProxyStateLookup>();
        Assert.Equal(["guarded", "open"], RouteIds(state));

        memory.Update([.. Good, Route("leak", "anonymous", "/leak/{**rest}", ("PathPattern", "/guarded/{**rest}"))], Clusters);
        // YARP loads the kept configuration again (its filters see each route a second time):
        // then the reload is over, and the refused route was never loaded.
        await Poll.UntilAsync(
            _ => Task.FromResult(loaded.Routes.Count(r => r == "open") >= 2 ? "reloaded" : null),
            Timeout,
            "the refused reload");
        Assert.Contains(logs.Messages, m => m.Contains("Reloaded proxy configuration refused", StringComparison.Ordinal));
        Assert.DoesNotContain("leak", loaded.Routes);
        Assert.Equal(["guarded", "open"], RouteIds(state));

        memory.Update([.. Good, Route("more", "default", "/more/{**rest}", ("PathPattern", "/guarded/{**rest}"))], Clusters);
        await Poll.UntilAsync(
            _ => Task.FromResult(RouteIds(state).Contains("more") ? "applied" : null),
            Timeout,
            "the corrected configuration");

        await app.StopAsync().WaitAsync(Timeout);
    }

    private static List<string> RouteIds(IProxyStateLookup state) => [.. state.GetRoutes().Select(r => r.Config.RouteId).Order(StringComparer.Ordinal)];
}

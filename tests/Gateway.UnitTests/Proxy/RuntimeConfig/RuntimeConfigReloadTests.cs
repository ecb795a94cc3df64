using System.Globalization;
using Gateway.Auth.V1;
using Gateway.Proxy.Authorization;
using Gateway.Proxy.Routing;
using Gateway.Proxy.RuntimeConfig;
using Gateway.Proxy.Telemetry;
using Gateway.TestSupport;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Yarp.ReverseProxy;

namespace Gateway.UnitTests.Proxy.RuntimeConfig;

/// <summary>
/// Versions applied inside a real YARP host (loopback, no store: versions are handed to the sync
/// as the store would give them): a good one is routed with its policies, a bad one is refused
/// whole and the previous version keeps serving, the next good one is applied.
/// </summary>
public sealed class RuntimeConfigReloadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task GoodVersionApplied_BadOneRefusedWhole_PreviousServes_NextGoodOneApplied()
    {
        await using var app = await StartAsync();
        var sync = app.Services.GetRequiredService<RuntimeConfigSync>();
        var state = app.Services.GetRequiredService<RuntimeConfigState>();
        var proxy = app.Services.GetRequiredService<IProxyStateLookup>();
        var policies = app.Services.GetRequiredService<IAuthorizationPolicyProvider>();
        Assert.Equal(0, state.Current!.Version);
        Assert.Equal(["admin"], RouteIds(proxy));

        // Version 1: a route with a policy no earlier version had.
        var v1 = Document(("partners", "partners", "/partners/{**rest}"));
        Assert.True(await sync.TryApplyAsync(Stored(1, v1), CancellationToken.None));
        await Poll.UntilAsync(_ => Task.FromResult(RouteIds(proxy).Contains("partners") ? "applied" : null), Timeout, "version 1's route");
        Assert.NotNull(await policies.GetPolicyAsync("partners"));
        Assert.Equal("1", proxy.GetRoutes().Single(r => r.Config.RouteId == "partners").Config.Metadata![RuntimeConfigSnapshot.VersionMetadata]);

        // Version 2 adds a good route and one into the admin space without the admin policy: refused whole.
        var v2 = Document(("partners", "partners", "/partners/{**rest}"), ("more", "partners", "/more/{**rest}"), ("leak", "anonymous", "/admin/{**rest}"));
        Assert.False(await sync.TryApplyAsync(Stored(2, v2), CancellationToken.None));
        Assert.Equal(1, state.Current.Version);
        Assert.Equal(2, state.Rejected!.Version);
        Assert.Contains("leak", state.Rejected.Error, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Degraded, (await sync.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal((1L, 2L), Gauges(app));
        Assert.DoesNotContain("more", RouteIds(proxy));

        // Version 3 removes the policy and its route: applied; the refusal is no longer reported.
        Assert.True(await sync.TryApplyAsync(Stored(3, Document()), CancellationToken.None));
        await Poll.UntilAsync(_ => Task.FromResult(RouteIds(proxy).Contains("partners") ? null : "applied"), Timeout, "version 3");
        Assert.Null(state.Rejected);
        Assert.Equal(HealthStatus.Healthy, (await sync.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal((3L, 0L), Gauges(app));

        // An older version answered late (a change this replica stored while a newer one arrived)
        // does not replace the newer; the store's active version does, whatever its number.
        Assert.True(await sync.TryApplyAsync(Stored(1, v1), CancellationToken.None));
        Assert.Equal(3, state.Current.Version);
        Assert.True(await sync.TryApplyAsync(Stored(1, v1), CancellationToken.None, active: true));
        Assert.Equal(1, state.Current.Version);

        await app.StopAsync().WaitAsync(Timeout);
    }

    /// <summary>The served and refused version gauges of this host's meter (not another test's), as an exporter reads them.</summary>
    private static (long Served, long Rejected) Gauges(WebApplication app)
    {
        var factory = app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        long served = -1, rejected = -1;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ProxyMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("gateway.proxy.config.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "gateway.proxy.config.version")
            {
                served = value;
            }
            else if (instrument.Name == "gateway.proxy.config.rejected_version")
            {
                rejected = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return (served, rejected);
    }

    private static async Task<WebApplication> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        // Not the proxy's appsettings.json, copied next to the tests.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:RuntimeConfig:Enabled"] = "false",
            ["Gateway:Authorization:Policies:admin:Roles:0"] = "admin",
            ["Gateway:RateLimiting:Policies:auth-endpoints:Partition"] = "ClientIp",
            ["Gateway:RateLimiting:Policies:auth-endpoints:Limit"] = "30",
            ["ReverseProxy:Routes:admin:ClusterId"] = "app",
            ["ReverseProxy:Routes:admin:AuthorizationPolicy"] = "admin",
            ["ReverseProxy:Routes:admin:Match:Path"] = "/admin/{**rest}",
            ["ReverseProxy:Clusters:app:Destinations:d:Address"] = "http://127.0.0.1:1",
        });
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect("127.0.0.1:1,abortConnect=false,connectTimeout=100"));
        builder.Services.AddSingleton(_ => new ConfigService.ConfigServiceClient(GrpcChannel.ForAddress("http://127.0.0.1:1")));
        builder.Services.AddOptions<Gateway.Proxy.RateLimiting.RateLimitingOptions>().BindConfiguration(Gateway.Proxy.RateLimiting.RateLimitingOptions.SectionName);
        builder.Services.AddAuthorizationBuilder().AddPolicy(AuthorizationExtensions.Authenticated, p => p.RequireAuthenticatedUser());
        builder.Services.AddSingleton<IAuthorizationPolicyProvider, GatewayAuthorizationPolicyProvider>();
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        builder.AddGatewayRouting();
        builder.AddGatewayRuntimeConfig();
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync().WaitAsync(Timeout);
        return app;
    }

    /// <summary>The file's admin route and cluster plus <paramref name="routes"/> (id, authorization policy, path), with a "partners" policy when a route uses it.</summary>
    private static string Document(params (string Id, string Policy, string Path)[] routes)
    {
        var all = routes.Prepend(("admin", "admin", "/admin/{**rest}")).ToList();
        var partners = all.Any(r => r.Item2 == "partners") ? """, "partners": { "roles": [ "partner" ] }""" : string.Empty;
        return $$"""
            {
              "routes": { {{string.Join(", ", all.Select(r => $$"""
                "{{r.Item1}}": { "clusterId": "app", "authorizationPolicy": "{{r.Item2}}", "match": { "path": "{{r.Item3}}" } }
                """))}} },
              "clusters": { "app": { "destinations": { "d": { "address": "http://127.0.0.1:1" } } } },
              "authorizationPolicies": { "admin": { "roles": [ "admin" ] }{{partners}} },
              "rateLimitPolicies": { "auth-endpoints": { "partition": "ClientIp", "limit": 30 } }
            }
            """;
    }

    private static ConfigVersion Stored(long version, string document) => new()
    {
        Version = version,
        Document = document,
        Author = "test",
        Summary = "v" + version.ToString(CultureInfo.InvariantCulture),
        CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    private static List<string> RouteIds(IProxyStateLookup state) => [.. state.GetRoutes().Select(r => r.Config.RouteId).Order(StringComparer.Ordinal)];
}

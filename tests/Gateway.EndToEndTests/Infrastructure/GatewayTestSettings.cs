using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>
/// Test-only settings of the AppHost that more than one fixture applies (<see cref="GatewayAppFixture"/>,
/// <see cref="Cluster.ClusterAppFixture"/>): quiet logs, no telemetry export, the test plans and the
/// rate-limit test routes.
/// </summary>
public static class GatewayTestSettings
{
    /// <summary>
    /// Resource console output (one line per proxied request in Development) would drown the test
    /// log: only warnings and errors of the resources reach it.
    /// </summary>
    public static void QuietLogs(IDistributedApplicationTestingBuilder builder) =>
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Gateway.AppHost.Resources", LogLevel.Warning)
            .AddFilter("Aspire", LogLevel.Warning));

    /// <summary>
    /// No Aspire dashboard runs under the testing builder, yet the OTLP endpoint is still set:
    /// exporting (and retrying on shutdown) to nothing slows every stop by ~10 s.
    /// </summary>
    public static void NoTelemetryExport(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", string.Empty);
        }
    }

    public static IResourceBuilder<ProjectResource> Project(IDistributedApplicationTestingBuilder builder, string name) =>
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == name));

    /// <summary>
    /// Plans for tests: <c>free</c> effectively unlimited (so functional tests are not throttled)
    /// and a small <c>tiny</c> plan for the rate-limit tests.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTestPlans(this IResourceBuilder<ProjectResource> auth, int tinyLimit, int tinyWindowSeconds) =>
        auth.WithEnvironment("Auth__Plans__free__RequestsPerWindow", "1000000")
            .WithEnvironment("Auth__Plans__tiny__RequestsPerWindow", tinyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Auth__Plans__tiny__WindowSeconds", tinyWindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// A test route <c>/rl/{name}/...</c> to the sample API's <c>/api/...</c> (authenticated),
    /// limited by policy <c>test-{name}</c> (settings as environment variables, one per property).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithRateLimitTestRoute(this IResourceBuilder<ProjectResource> proxy, string name, params (string Key, string Value)[] policy) =>
        proxy.WithRateLimitTestRoute(name, anonymous: false, policy);

    /// <summary>As above; <paramref name="anonymous"/> routes go to the sample API's <c>/public/...</c>.</summary>
    public static IResourceBuilder<ProjectResource> WithRateLimitTestRoute(this IResourceBuilder<ProjectResource> proxy, string name, bool anonymous, params (string Key, string Value)[] policy)
    {
        foreach (var (key, value) in policy)
        {
            proxy.WithEnvironment($"Gateway__RateLimiting__Policies__test-{name}__{key}", value);
        }

        return proxy.WithEnvironment($"ReverseProxy__Routes__rl-{name}__ClusterId", "sampleapi")
            .WithEnvironment($"ReverseProxy__Routes__rl-{name}__AuthorizationPolicy", anonymous ? "anonymous" : "authenticated")
            .WithEnvironment($"ReverseProxy__Routes__rl-{name}__RateLimiterPolicy", $"test-{name}")
            .WithEnvironment($"ReverseProxy__Routes__rl-{name}__Match__Path", $"/rl/{name}/{{**rest}}")
            // Each route forwards into the sample API's path space of its authorization policy: the
            // start-up overlap check refuses an anonymous route into /api, which "api" guards.
            .WithEnvironment($"ReverseProxy__Routes__rl-{name}__Transforms__0__PathPattern", anonymous ? "/public/{**rest}" : "/api/{**rest}");
    }
}

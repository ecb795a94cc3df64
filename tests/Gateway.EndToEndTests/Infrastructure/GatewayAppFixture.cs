using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>
/// The whole AppHost (executables path, throwaway PostgreSQL data), started once and shared by
/// every integration test in <see cref="GatewayAppCollection"/>.
/// </summary>
public sealed class GatewayAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The "tiny" plan of the rate-limit tests: this many requests per window.</summary>
    public const int TinyPlanLimit = 200;

    public const int TinyPlanWindowSeconds = 10;

    /// <summary>
    /// The limit per user of the gRPC test route <c>greeter-tiny</c>: calls to the sample Greeter
    /// with <see cref="GrpcTinyRouteHeader"/> metadata.
    /// </summary>
    public const int GrpcTinyLimit = 3;

    public const int GrpcTinyWindowSeconds = 3;

    /// <summary>Metadata (<c>tiny</c>) that sends a Greeter call through the test route <c>greeter-tiny</c>.</summary>
    public const string GrpcTinyRouteHeader = "x-test-rate-limit";

    /// <summary>The proxy's negative auth cache bound in tests.</summary>
    public const int NegativeCacheBound = 1_000;

    public static readonly string[] ProjectResources = ["sampleapi", "auth", "proxy", "dashboard"];

    /// <summary>
    /// A loopback address the proxy and the dashboard trust as a proxy in front of them (a TLS
    /// terminator or load balancer): from it, <c>X-Forwarded-For</c> names the client.
    /// </summary>
    public static readonly System.Net.IPAddress TrustedProxyAddress = System.Net.IPAddress.Parse("127.0.90.1");

    /// <summary>The failed-credential budget per client and window (appsettings.json, policy <c>failed-credentials</c>).</summary>
    public const int FailedCredentialBudget = 60;

    public const int FailedCredentialWindowSeconds = 60;

    /// <summary>
    /// The activity timeout of the test route <c>/ws-idle/...</c> (authenticated, to the sample
    /// API's <c>/api</c> space): short, so WebSocket tests see messages flow past it and an idle
    /// socket closed by it within seconds.
    /// </summary>
    public static readonly TimeSpan ShortActivityTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Destination of the anonymous test route <c>/sink/...</c>: nothing listens there unless a test
    /// does, to see exactly which bytes the proxy forwards (or that it forwards none).
    /// </summary>
    public int SinkPort { get; } = FreePorts.Loopback();

    private readonly string _dataDirectory = TestPaths.NewTempDirectory("gateway-tests-pg");

    /// <summary>Where the AppHost writes the development certificate the proxy and dashboard serve HTTPS with.</summary>
    public string CertificateDirectory { get; } = TestPaths.NewTempDirectory("gateway-tests-tls");

    /// <summary>The certificate the proxy and the dashboard serve (self-signed, for localhost): what test clients trust.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 ServerCertificate { get; private set; } = null!;

    public DistributedApplication App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Gateway_AppHost>(
            [
                "--Infrastructure:Mode=Executables",
                "--Infrastructure:Ephemeral=true",
                $"--Infrastructure:DataDirectory={_dataDirectory}",
                $"--Gateway:Tls:DevelopmentCertificateDirectory={CertificateDirectory}",
                // The opt-in HTTP/2 cleartext listener (shipped off); the testing builder picks its port.
                "--Gateway:ProxyH2cPort=8082",
            ],
            cts.Token);
        GatewayTestSettings.QuietLogs(builder);
        GatewayTestSettings.NoTelemetryExport(builder);

        // The login back-off starts at 5 s instead of 1 s: the tests check that the attempt after
        // a limit waits, and on a loaded 2-core runner one password check (PBKDF2, 600,000
        // iterations) took longer than a 1 s back-off, so the next attempt was let through (a CI
        // run saw the right password accepted there).
        GatewayTestSettings.Project(builder, "auth")
            .WithTestPlans(TinyPlanLimit, TinyPlanWindowSeconds)
            .WithEnvironment("Auth__LoginThrottle__BackoffBase", "00:00:05")
            // A purge every second (shipped: hourly), so TokenPurgeTests see a row go within seconds.
            .WithEnvironment("Auth__TokenPurge__Interval", "00:00:01");

        var proxyBuilder = GatewayTestSettings.Project(builder, "proxy");
        var dashboard = GatewayTestSettings.Project(builder, "dashboard");
        foreach (var clientFacing in new[] { proxyBuilder, dashboard })
        {
            clientFacing.WithEnvironment("Gateway__Forwarding__TrustedProxies__0", TrustedProxyAddress.ToString());
        }

        // Dashboard sessions: admins re-checked with the auth service every second (shipped: 60 s),
        // so the demotion tests wait seconds. See DashboardSessionTests.RoleRecheckInterval.
        dashboard.WithEnvironment("Dashboard__Security__RoleRecheckInterval", "00:00:01");

        proxyBuilder
            .WithRateLimitTestRoute("strict", ("Partition", "User"), ("Mode", "Strict"))
            .WithRateLimitTestRoute("batched", ("Partition", "User"), ("Mode", "Batched"))
            .WithRateLimitTestRoute("approximate", ("Partition", "User"), ("Mode", "Approximate"))
            .WithRateLimitTestRoute("open", ("Partition", "User"), ("Mode", "Strict"), ("FailMode", "Open"))
            .WithRateLimitTestRoute("closed", ("Partition", "User"), ("Mode", "Strict"), ("FailMode", "Closed"))
            .WithRateLimitTestRoute("local", ("Partition", "User"), ("Mode", "Strict"), ("FailMode", "Local"))
            .WithRateLimitTestRoute("ip", anonymous: true, ("Partition", "ClientIp"), ("Limit", "5"), ("WindowSeconds", "60"), ("Mode", "Strict"));
        AddGrpcRateLimitTestRoute(proxyBuilder);

        // Test-only proxy settings: a small negative-cache bound (flood test), fast active health
        // checks (rotation test), a route to a closed port (502 test), a relaxed deadline, a route
        // with a short activity timeout (WebSocket tests).
        proxyBuilder
            .WithEnvironment("Gateway__AuthCache__MaxNegativeEntries", NegativeCacheBound.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("ReverseProxy__Clusters__sampleapi__HealthCheck__Active__Interval", "00:00:01")
            // Two cores shared with the test runner: a generous deadline keeps slow-but-alive from reading as down.
            .WithEnvironment("Gateway__AuthService__ValidateDeadline", "00:00:02")
            // A protected route with rate limiting disabled (which skips ASP.NET's global limiter too).
            .WithEnvironment("ReverseProxy__Routes__nolimit__ClusterId", "sampleapi")
            .WithEnvironment("ReverseProxy__Routes__nolimit__AuthorizationPolicy", "authenticated")
            .WithEnvironment("ReverseProxy__Routes__nolimit__RateLimiterPolicy", "Disable")
            .WithEnvironment("ReverseProxy__Routes__nolimit__Match__Path", "/nolimit/{**rest}")
            .WithEnvironment("ReverseProxy__Routes__nolimit__Transforms__0__PathPattern", "/api/{**rest}")
            .WithEnvironment("ReverseProxy__Routes__broken__ClusterId", "broken")
            .WithEnvironment("ReverseProxy__Routes__broken__AuthorizationPolicy", "anonymous")
            .WithEnvironment("ReverseProxy__Routes__broken__Match__Path", "/broken/{**rest}")
            .WithEnvironment("ReverseProxy__Clusters__broken__Destinations__closed__Address", "http://127.0.0.1:1")
            .WithEnvironment("ReverseProxy__Routes__sink__ClusterId", "sink")
            .WithEnvironment("ReverseProxy__Routes__sink__AuthorizationPolicy", "anonymous")
            .WithEnvironment("ReverseProxy__Routes__sink__Match__Path", "/sink/{**rest}")
            .WithEnvironment("ReverseProxy__Clusters__sink__Destinations__sink__Address", "http://127.0.0.1:" + SinkPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            // Half of this cluster refuses connections: safe requests are retried on the other half.
            .WithEnvironment("ReverseProxy__Routes__retry__ClusterId", "retry")
            .WithEnvironment("ReverseProxy__Routes__retry__AuthorizationPolicy", "anonymous")
            .WithEnvironment("ReverseProxy__Routes__retry__Match__Path", "/retry/{**rest}")
            // Anonymous, so it forwards into the sample API's anonymous path space (the start-up
            // overlap check refuses an anonymous route into /api, which "api" guards).
            .WithEnvironment("ReverseProxy__Routes__retry__Transforms__0__PathPattern", "/public/{**rest}")
            .WithEnvironment("ReverseProxy__Clusters__retry__LoadBalancingPolicy", "RoundRobin")
            .WithEnvironment("ReverseProxy__Clusters__retry__Destinations__closed__Address", "http://127.0.0.1:1")
            .WithEnvironment("ReverseProxy__Clusters__retry__Destinations__sampleapi__Address", "https+http://sampleapi")
            .WithEnvironment("ReverseProxy__Routes__ws-idle__ClusterId", "ws-idle")
            .WithEnvironment("ReverseProxy__Routes__ws-idle__AuthorizationPolicy", "authenticated")
            .WithEnvironment("ReverseProxy__Routes__ws-idle__RateLimiterPolicy", "per-user")
            .WithEnvironment("ReverseProxy__Routes__ws-idle__Match__Path", "/ws-idle/{**rest}")
            .WithEnvironment("ReverseProxy__Routes__ws-idle__Transforms__0__PathPattern", "/api/{**rest}")
            .WithEnvironment("ReverseProxy__Clusters__ws-idle__HttpRequest__ActivityTimeout", ShortActivityTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("ReverseProxy__Clusters__ws-idle__Destinations__sampleapi__Address", "https+http://sampleapi");

        App = await builder.BuildAsync(cts.Token).WaitAsync(cts.Token);
        ServerCertificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(
            Path.Combine(CertificateDirectory, "gateway-localhost.crt"));
        await App.StartAsync(cts.Token).WaitAsync(cts.Token);

        string[] resources = ["redis", "postgres", "authdb", .. ProjectResources];
        foreach (var resource in resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token).WaitAsync(cts.Token);
        }

        await ResourceReplicas.WaitForAllHealthyAsync(App, "proxy", expected: 2, cts.Token);
    }

    /// <summary>
    /// The shipped <c>greeter</c> route's twin with a tiny per-user limit (policy <c>test-grpc</c>),
    /// for calls that carry <see cref="GrpcTinyRouteHeader"/>: a header match makes it the more
    /// specific route for them, and with the same authorization policy the overlap check allows it.
    /// </summary>
    private static void AddGrpcRateLimitTestRoute(IResourceBuilder<ProjectResource> proxy)
    {
        const string route = "ReverseProxy__Routes__greeter-tiny__";
        proxy.WithEnvironment("Gateway__RateLimiting__Policies__test-grpc__Partition", "User")
            .WithEnvironment("Gateway__RateLimiting__Policies__test-grpc__Mode", "Strict")
            .WithEnvironment("Gateway__RateLimiting__Policies__test-grpc__Limit", GrpcTinyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Gateway__RateLimiting__Policies__test-grpc__WindowSeconds", GrpcTinyWindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment(route + "ClusterId", "sampleapi-grpc")
            .WithEnvironment(route + "AuthorizationPolicy", "authenticated")
            .WithEnvironment(route + "RateLimiterPolicy", "test-grpc")
            .WithEnvironment(route + "Match__Path", "/gateway.sample.v1.Greeter/{method}")
            .WithEnvironment(route + "Match__Methods__0", "POST")
            .WithEnvironment(route + "Match__Headers__0__Name", GrpcTinyRouteHeader)
            .WithEnvironment(route + "Match__Headers__0__Values__0", "tiny");
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        TestPaths.TryDelete(_dataDirectory);
        TestPaths.TryDelete(CertificateDirectory);
    }
}

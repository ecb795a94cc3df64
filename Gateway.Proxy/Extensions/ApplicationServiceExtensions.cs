using Gateway.Proxy.AuthClients;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Authorization;
using Gateway.Proxy.Forwarding;
using Gateway.Proxy.GrpcCalls;
using Gateway.Proxy.Hosts;
using Gateway.Proxy.Limits;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Routing;
using Gateway.Proxy.RuntimeConfig;
using Gateway.Proxy.Telemetry;
using Gateway.Proxy.WebSockets;

namespace Gateway.Proxy.Extensions;

internal static class ApplicationServiceExtensions
{
    /// <summary>Redis, YARP with service-discovered destinations, Kestrel and error handling.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Redis is not a readiness dependency: when it is down the rate-limit fail modes and the
        // auth cache's short TTL keep the proxy serving, so it must stay in rotation.
        builder.AddRedisClient("redis", settings => settings.DisableHealthChecks = true, configureOptions: redis =>
        {
            redis.AbortOnConnectFail = false;
            // While Redis is down, fail commands at once (the fail modes take over) instead of
            // queueing them behind a reconnect.
            redis.BacklogPolicy = StackExchange.Redis.BacklogPolicy.FailFast;
        });
        builder.AddGatewayTelemetry();
        builder.AddAuthServiceClients();
        builder.AddGatewayAuthentication();
        builder.AddGatewayAuthorization();
        builder.AddClientAddresses();
        builder.AddGatewayTls();
        builder.Services.AddSingleton<RetryBudget>();
        builder.AddGatewayRateLimiting();
        builder.AddRequestLimits();
        builder.AddGatewayHostFiltering();
        builder.AddGatewayWebSockets();
        builder.Services.AddOptions<ForwardingOptions>()
            .BindConfiguration(ForwardingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var kestrelLimits = builder.Configuration.GetSection("Kestrel:Limits");
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(kestrel =>
        {
            // Nothing to gain from advertising the server software.
            kestrel.AddServerHeader = false;
            // Header, request line and default body limits are configuration (appsettings.json), bound
            // explicitly so that they apply however the host was built.
            kestrelLimits.Bind(kestrel.Limits);
        });

        builder.AddGrpcCalls();
        builder.Services.AddProblemDetails();

        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms<IdentityTransformProvider>()
            .AddTransforms<GrpcDeadlineTransformProvider>()
            .ConfigureHttpClient((_, handler) =>
                // Kestrel accepts UTF-8 request header values; HttpClient refuses non-ASCII ones unless
                // told an encoding, which made such a request a 502. Forward the same bytes instead
                // (a cluster's own HttpRequest.RequestHeaderEncoding still wins).
                handler.RequestHeaderEncodingSelector ??= (_, _) => System.Text.Encoding.UTF8);
        builder.AddGatewayRouting();
        // After LoadFromConfig: its provider becomes the source of version 0 and of the bootstrap version.
        builder.AddGatewayRuntimeConfig();
        builder.Services.AddSingleton<ConfigChangeService>();
        builder.Services.AddConfigApiDocument();

        // YARP's passive check judges a destination on its failure rate over DetectionWindowSize
        // (default 60 s), also on the first request after the reactivation period (10 s in our
        // clusters) ends: a backend that came back was ejected again by its own first success, for
        // as long as its old failures stayed in the window (over a minute, seen by chaos/run.sh).
        // A window shorter than the reactivation period judges it on requests sent since then.
        builder.Services.AddOptions<Yarp.ReverseProxy.Health.TransportFailureRateHealthPolicyOptions>()
            .Configure(options => options.DetectionWindowSize = TimeSpan.FromSeconds(5))
            .BindConfiguration("Gateway:Forwarding:PassiveHealth");

        return builder;
    }

    /// <summary>
    /// Every error the gateway produces itself (including YARP's bare 502/504) becomes an
    /// RFC 9457 problem details body; then host filtering (<c>AllowedHosts</c>), so that a refused
    /// <c>Host</c> is a 400 problem too; then the optional HTTPS redirect and HSTS (<c>Gateway:Tls</c>).
    /// </summary>
    public static WebApplication UseGatewayErrors(this WebApplication app)
    {
        app.UseProblemDetailsErrors();
        app.UseGatewayHostFiltering();
        app.UseGatewayTls();
        return app;
    }

    /// <summary>
    /// Telemetry outermost; then gRPC deadlines (a call's <c>grpc-timeout</c> bounds everything after);
    /// then the escaped-slash check (a path a backend could read differently
    /// from the gateway is refused before anything else looks at it); then the body size limit (an oversize request costs no lookup, no quota
    /// and reaches no backend); then authentication (a cache lookup), so rate limits can key on the
    /// caller; then rate limiting, before authorization, so that requests with bad credentials
    /// are limited per client address too; then authorization. YARP routes name their policies.
    /// </summary>
    public static WebApplication UseGatewayPipeline(this WebApplication app)
    {
        app.UseGatewayTelemetry();
        app.UseGrpcDeadlines();
        app.UseEscapedSlashCheck();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseGatewayAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// YARP's standard proxy pipeline with safe retries around load balancing; WebSocket handshakes
    /// become sessions first (the gateway can then close them cleanly: revocation, shutdown).
    /// </summary>
    public static IReverseProxyApplicationBuilder UseGatewayForwarding(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseWebSocketSessions();
        proxy.UseMiddleware<RetryMiddleware>();
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
        return proxy;
    }
}

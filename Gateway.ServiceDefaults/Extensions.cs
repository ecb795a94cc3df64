using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting defaults shared by every Gateway service: OpenTelemetry, health checks,
/// service discovery and resilient <see cref="HttpClient"/>s.
/// </summary>
public static class Extensions
{
    /// <summary>Path of the readiness endpoint (all registered checks).</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Path of the liveness endpoint (only checks tagged <see cref="LiveTag"/>).</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Tag of health checks that say whether the process itself is alive.</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// Names of meters a service adds through <see cref="AddServiceDefaults{TBuilder}"/> callers;
    /// every meter whose name starts with <c>Gateway.</c> is exported.
    /// </summary>
    public const string GatewayMeterPrefix = "Gateway.*";

    /// <summary>Adds OpenTelemetry, default health checks, service discovery and HTTP resilience.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>
    /// Logs, metrics and traces exported over OTLP, when an endpoint is configured (the AppHost
    /// sets one for its dashboard; a deployment sets its collector's). Without one, nothing is
    /// collected: tracing every request and forwarded call, a logging scope per request and the
    /// SDK's metric aggregation cost ~5 µs per proxied request (bench/results/*-profile.md) for
    /// data nobody receives. The services' own meters still record for their in-process readers
    /// (the proxy's dashboard snapshots).
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var otlpEndpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(GatewayMeterPrefix))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation(options =>
                    // Probes fire every few seconds from the orchestrator; tracing them is noise.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();

        return builder;
    }

    /// <summary>A liveness check that is healthy while the process can answer at all.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        return builder;
    }

    /// <summary>
    /// Errors a service produces itself become RFC 9457 problem details (needs
    /// <c>AddProblemDetails</c>). A malformed request (bad form or JSON, a failed antiforgery
    /// check, a body too large) is the client's error: it keeps its 4xx status instead of
    /// being reported as a 500.
    /// </summary>
    public static WebApplication UseProblemDetailsErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is Microsoft.AspNetCore.Http.BadHttpRequestException badRequest
                ? badRequest.StatusCode
                : Microsoft.AspNetCore.Http.StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>
    /// Maps <c>/health</c> (readiness: every check must pass) and <c>/alive</c> (liveness: only
    /// checks tagged <see cref="LiveTag"/>). Both are served in every environment because the
    /// orchestrator and the proxy's active health checks depend on them; they return no details.
    /// Returns both endpoints' convention builder, so a service can add metadata to them (the
    /// proxy names them in its metrics).
    /// </summary>
    public static IEndpointConventionBuilder MapDefaultEndpoints(this WebApplication app)
    {
        var health = app.MapGroup(string.Empty);
        health.MapHealthChecks(HealthEndpointPath);
        health.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        });

        return health;
    }
}

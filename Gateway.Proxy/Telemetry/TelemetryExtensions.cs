using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Proxy.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>Request metrics (meter <c>Gateway.Proxy</c>) and the dashboard snapshot publisher.</summary>
    public static IHostApplicationBuilder AddGatewayTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>()
            .BindConfiguration(TelemetryOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<RouteStatsTable>();
        builder.Services.AddSingleton<RequestStatsListener>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<SnapshotPublisher>();
        return builder;
    }

    /// <summary>The outermost middleware: one recording per request, unless recording is switched off.</summary>
    public static WebApplication UseGatewayTelemetry(this WebApplication app)
    {
        if (app.Configuration.GetValue($"{TelemetryOptions.SectionName}:{nameof(TelemetryOptions.Enabled)}", defaultValue: true))
        {
            app.UseMiddleware<RequestTelemetryMiddleware>();
        }

        return app;
    }
}

using System.Diagnostics;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Outermost middleware: one metric record per request (route, status, duration) and, when the
/// <c>Gateway.Proxy.Telemetry.RequestLog</c> category is enabled at Information, one structured
/// log line. Off by default outside Development: a log line per request costs more than the
/// proxying itself.
/// </summary>
internal sealed partial class RequestTelemetryMiddleware(RequestDelegate next, ProxyMetrics metrics, ILoggerFactory loggerFactory)
{
    private static readonly string Replica = $"{Environment.MachineName}:{Environment.ProcessId}";

    private readonly ILogger _requestLog = loggerFactory.CreateLogger("Gateway.Proxy.Telemetry.RequestLog");

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var route = RouteOf(context);
            var status = context.Response.StatusCode;
            if (status == StatusCodes.Status200OK && context.Features.Get<GrpcCalls.GrpcRefusal>() is { } refusal)
            {
                // A gRPC call the gateway refused answers 200 (gRPC's rule): count what it stands for.
                status = refusal.HttpStatus;
            }

            metrics.RequestCompleted(route, status, elapsed.TotalSeconds);

            if (_requestLog.IsEnabled(LogLevel.Information))
            {
                var userId = context.User is Authentication.GatewayPrincipal caller ? caller.UserId : null;
                Log.Request(_requestLog, context.Request.Method, route, status, elapsed.TotalMilliseconds, userId, Replica);
            }
        }
    }

    /// <summary>
    /// The YARP route id for a proxied route, else one of the few <see cref="GatewayEndpointRoute"/>
    /// names; never the endpoint's display name. Every name is a string that already exists (route
    /// config, constants), and the metadata lookups are cached by the endpoint: nothing is built
    /// per request.
    /// </summary>
    internal static string RouteOf(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return GatewayEndpointRoute.NoRoute;
        }

        // The endpoint's RouteModel rather than IReverseProxyFeature: the feature is only set once
        // YARP's own pipeline runs, and a request refused before it (401 from authorization, 429
        // from the rate limiter) must still count on its route.
        return endpoint.Metadata.GetMetadata<RouteModel>()?.Config.RouteId
            ?? endpoint.Metadata.GetMetadata<GatewayEndpointRoute>()?.Name
            ?? GatewayEndpointRoute.Other;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Route} {StatusCode} {DurationMs:F2} ms user={UserId} replica={Replica}")]
        public static partial void Request(ILogger logger, string method, string route, int statusCode, double durationMs, string? userId, string replica);
    }
}

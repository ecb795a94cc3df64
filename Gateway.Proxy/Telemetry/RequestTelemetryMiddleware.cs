using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Outermost middleware: one metric record per request (route, status, duration) and, when the
/// <c>Gateway.Proxy.Telemetry.RequestLog</c> category is enabled at Information, one structured
/// log line. Off by default outside Development: a log line per request costs more than the
/// proxying itself.
/// </summary>
/// <remarks>
/// A request that became a WebSocket lasts as long as the socket (minutes, days): its duration is
/// taken to when the upgrade was answered (<see cref="IUpgradedRequestFeature"/>), so it says how
/// fast the handshake was and cannot swamp the latency figures of the route. The socket's own
/// length is <c>gateway.proxy.websocket.session.duration</c>.
/// </remarks>
internal sealed partial class RequestTelemetryMiddleware(RequestDelegate next, ProxyMetrics metrics, ILoggerFactory loggerFactory, TimeProvider timeProvider)
{
    private static readonly string Replica = $"{Environment.MachineName}:{Environment.ProcessId}";

    private readonly ILogger _requestLog = loggerFactory.CreateLogger("Gateway.Proxy.Telemetry.RequestLog");

    public async Task InvokeAsync(HttpContext context)
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var status = context.Response.StatusCode;
            if (status == StatusCodes.Status200OK && context.Features.Get<GrpcCalls.GrpcRefusal>() is { } refusal)
            {
                // A gRPC call the gateway refused answers 200 (gRPC's rule): count what it stands for.
                status = refusal.HttpStatus;
            }

            var elapsed = timeProvider.GetElapsedTime(started, EndOf(context, status));
            var route = RouteOf(context);
            metrics.RequestCompleted(route, status, elapsed.TotalSeconds);

            if (_requestLog.IsEnabled(LogLevel.Information))
            {
                var userId = context.User is Authentication.GatewayPrincipal caller ? caller.UserId : null;
                Log.Request(_requestLog, context.Request.Method, route, status, elapsed.TotalMilliseconds, userId, Replica);
            }
        }
    }

    /// <summary>When the request's answer was complete: now, or when an upgrade was accepted (checked only for 101 and CONNECT).</summary>
    private long EndOf(HttpContext context, int status) =>
        (status == StatusCodes.Status101SwitchingProtocols || HttpMethods.IsConnect(context.Request.Method))
        && context.Features.Get<IUpgradedRequestFeature>() is { AcceptedTimestamp: > 0 } upgraded
            ? upgraded.AcceptedTimestamp
            : timeProvider.GetTimestamp();

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

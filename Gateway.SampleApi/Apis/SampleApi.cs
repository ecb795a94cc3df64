namespace Gateway.SampleApi.Apis;

/// <summary>
/// A small downstream service: answers who it is, echoes what the gateway sent it, and can be
/// slow or fail on demand so that timeouts, retries and breakers can be shown; echoes WebSocket
/// messages (<see cref="WebSocketEcho"/>) and holds a server-sent-events stream open on demand
/// (<see cref="HeldStreams"/>), so streaming through the gateway can be shown too.
/// </summary>
internal static class SampleApi
{
    private const int MaxDelayMilliseconds = 30_000;

    // Identifies the replica in responses, so tests and users can see load balancing.
    private static readonly string Instance = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>
    /// One path space per gateway authorization policy (<c>/public</c> anonymous, <c>/api</c>
    /// authenticated, <c>/pro</c> pro plan, <c>/admin</c> admin role), each serving the same
    /// endpoints: the gateway forwards each route to its own space only, so what a policy guards
    /// cannot be reached through another route (and the echo shows which space a request reached).
    /// </summary>
    /// <remarks><c>/partners</c> is reached by no shipped route: a space for routes added at runtime with a policy of their own.</remarks>
    public static readonly string[] PathSpaces = ["/public", "/api", "/pro", "/admin", "/partners"];

    public static IEndpointRouteBuilder MapSampleApi(this IEndpointRouteBuilder app)
    {
        var chaos = app.ServiceProvider.GetRequiredService<Chaos>();
        var heldStreams = app.ServiceProvider.GetRequiredService<HeldStreams>();
        foreach (var space in PathSpaces)
        {
            MapSpace(app.MapGroup(space), chaos, heldStreams);
        }

        // Chaos switch: while unhealthy, /health answers 503 and every call in a path space 500, so
        // the gateway's health checks can be seen taking this destination out of rotation and back.
        // Outside the path spaces on purpose: the gateway's routes reach only those, so clients
        // cannot flip it.
        app.MapPut("/chaos", (ChaosBody body) =>
        {
            chaos.Healthy = body.Healthy;
            return TypedResults.Ok(new ChaosBody(chaos.Healthy));
        });

        return app;
    }

    private static void MapSpace(RouteGroupBuilder api, Chaos chaos, HeldStreams heldStreams)
    {
        api.AddEndpointFilter(async (context, next) =>
            chaos.Healthy
                ? await next(context)
                : TypedResults.Problem(detail: "Chaos mode: this instance is failing on purpose.", statusCode: StatusCodes.Status500InternalServerError));

        api.MapGet("/hello", () => TypedResults.Ok(new HelloResponse("Hello from the sample API", Instance, DateTimeOffset.UtcNow)));

        // Everything the backend received, so identity and forwarding headers can be inspected.
        api.MapGet("/echo", (HttpRequest request) => TypedResults.Ok(new EchoResponse(
            request.Method,
            request.Path.Value ?? "/",
            request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? string.Empty,
            request.QueryString.Value ?? string.Empty,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            request.HttpContext.Connection.RemoteIpAddress?.ToString(),
            Instance)));

        api.MapGet("/slow", async Task<IResult> (int? ms, CancellationToken cancellationToken) =>
        {
            var delay = ms ?? 2_000;
            if (delay is < 0 or > MaxDelayMilliseconds)
            {
                return TypedResults.Problem(
                    detail: $"'ms' must be between 0 and {MaxDelayMilliseconds}.",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            await Task.Delay(delay, cancellationToken);
            return TypedResults.Ok(new SlowResponse(delay, Instance));
        });

        api.MapGet("/fail", (int? status) =>
        {
            var code = status ?? StatusCodes.Status500InternalServerError;
            return code is < 400 or > 599
                ? TypedResults.Problem(detail: "'status' must be an HTTP error status (400-599).", statusCode: StatusCodes.Status400BadRequest)
                : TypedResults.Problem(detail: $"Failure requested with status {code}.", statusCode: code);
        });

        // CONNECT too: a WebSocket over HTTP/2 (RFC 8441) arrives as an extended CONNECT, not a GET.
        api.MapMethods("/ws/echo", [HttpMethods.Get, HttpMethods.Connect], WebSocketEcho.AcceptAsync);

        api.MapGet("/sse", (Guid id, CancellationToken cancellationToken) => heldStreams.Stream(id, cancellationToken));
        api.MapPost("/sse/{id:guid}/release", (Guid id) => heldStreams.Release(id));
    }

    private sealed record ChaosBody(bool Healthy);

    private sealed record HelloResponse(string Message, string Instance, DateTimeOffset Time);

    private sealed record EchoResponse(
        string Method, string Path, string RawTarget, string Query, Dictionary<string, string> Headers, string? RemoteAddress, string Instance);

    private sealed record SlowResponse(int DelayMilliseconds, string Instance);
}

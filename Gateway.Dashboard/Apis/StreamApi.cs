using Gateway.Dashboard.Aggregation;
using Gateway.Dashboard.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Dashboard.Apis;

/// <summary>
/// The live feed (<c>/api/stream</c>, Server-Sent Events) and the latest frame as JSON
/// (<c>/api/snapshot</c>). Both require a signed-in viewer; an anonymous call gets 401, not a
/// redirect to the login page.
/// </summary>
internal static class StreamApi
{
    public static IEndpointRouteBuilder MapStreamApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization(DashboardExtensions.ViewerPolicy);
        // The stream ends with the session (signed out, expired, admin demoted), checked while it runs.
        api.MapGet("/stream", (FrameBroadcaster broadcaster, SessionWatch watch, HttpContext context) =>
            TypedResults.ServerSentEvents(watch.WhileSignedInAsync(context, broadcaster.StreamAsync)));
        api.MapGet("/snapshot", Results<Ok<DashboardFrame>, ProblemHttpResult> (FrameBroadcaster broadcaster) =>
            broadcaster.Latest is { } frame
                ? TypedResults.Ok(frame)
                : TypedResults.Problem("The first frame has not been computed yet.", statusCode: StatusCodes.Status503ServiceUnavailable));
        return app;
    }
}

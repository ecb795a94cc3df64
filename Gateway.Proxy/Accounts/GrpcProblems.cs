using System.Globalization;
using Grpc.Core;
using Microsoft.Net.Http.Headers;

namespace Gateway.Proxy.Accounts;

/// <summary>Maps the auth service's gRPC status codes to HTTP problem details (RFC 9457).</summary>
internal static class GrpcProblems
{
    /// <summary>Trailer in which the auth service says when a throttled client may retry.</summary>
    public const string RetryAfterTrailer = "retry-after";

    /// <summary>The public text of every 503: what the gRPC client reports then names internal addresses and errors.</summary>
    public const string UnavailableDetail = "The identity service is unavailable. Retry later.";

    public static int StatusCodeFor(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.FailedPrecondition => StatusCodes.Status409Conflict,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status502BadGateway,
    };

    public static IResult ToProblem(RpcException exception, HttpContext context)
    {
        var status = StatusCodeFor(exception.StatusCode);
        switch (status)
        {
            case StatusCodes.Status401Unauthorized:
                context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
                break;
            case StatusCodes.Status429TooManyRequests:
                context.Response.Headers[HeaderNames.RetryAfter] =
                    exception.Trailers.GetValue(RetryAfterTrailer) is { } seconds && int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s)
                        ? s.ToString(CultureInfo.InvariantCulture)
                        : "60";
                break;
            case StatusCodes.Status503ServiceUnavailable:
                context.Response.Headers[HeaderNames.RetryAfter] = "1";
                break;
        }

        // The auth service's 4xx details name the field and never echo a value. 5xx details are
        // generic: an internal failure says nothing useful to a client, and an unreachable service's
        // detail comes from the gRPC client itself, with the service's internal address and the
        // socket error in it.
        var detail = status switch
        {
            StatusCodes.Status502BadGateway => "The identity service failed to answer.",
            StatusCodes.Status503ServiceUnavailable => UnavailableDetail,
            _ => exception.Status.Detail,
        };
        return TypedResults.Problem(detail: detail, statusCode: status);
    }
}

using Grpc.Core;

namespace Gateway.Proxy.GrpcCalls;

/// <summary>
/// The gRPC status of a refusal the gateway makes itself, from the HTTP status it would have
/// answered a plain HTTP request with. Not gRPC's own table for clients reading a non-gRPC HTTP
/// response (doc/http-grpc-status-mapping.md), which can only guess: the gateway knows why it
/// refused. Where the two differ, it is on purpose:
/// <list type="bullet">
/// <item>400 is <see cref="StatusCode.InvalidArgument"/>, not INTERNAL: the gateway refuses a
/// request it will not forward (a host it does not serve, an ambiguous path), the caller's fault and
/// not worth a retry.</item>
/// <item>429 is <see cref="StatusCode.ResourceExhausted"/>, not UNAVAILABLE: the caller's quota is
/// spent; the same call succeeds after the pushback, not on another server right away.</item>
/// <item>504 is <see cref="StatusCode.DeadlineExceeded"/>, not UNAVAILABLE: the backend got the call
/// and may have acted on it, and UNAVAILABLE tells clients a retry is safe.</item>
/// </list>
/// </summary>
internal static class GrpcStatusMapping
{
    public static StatusCode ForHttpStatus(int httpStatus) => httpStatus switch
    {
        StatusCodes.Status400BadRequest => StatusCode.InvalidArgument,
        StatusCodes.Status401Unauthorized => StatusCode.Unauthenticated,
        StatusCodes.Status403Forbidden => StatusCode.PermissionDenied,
        // No route for the path: for gRPC, a service or method that is not there.
        StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed or StatusCodes.Status501NotImplemented => StatusCode.Unimplemented,
        StatusCodes.Status408RequestTimeout or StatusCodes.Status504GatewayTimeout => StatusCode.DeadlineExceeded,
        // A message or the metadata over a limit: what gRPC itself answers for a message too large.
        StatusCodes.Status413PayloadTooLarge or StatusCodes.Status431RequestHeaderFieldsTooLarge => StatusCode.ResourceExhausted,
        StatusCodes.Status429TooManyRequests => StatusCode.ResourceExhausted,
        StatusCodes.Status500InternalServerError => StatusCode.Internal,
        // The backend could not be reached, or a dependency of the gateway is down: try again later.
        StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };
}

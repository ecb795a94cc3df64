namespace Gateway.Proxy.GrpcCalls;

/// <summary>
/// Request feature set when the gateway refused a gRPC call itself: the HTTP status it stands for
/// (the response says 200, as gRPC requires), so that metrics count a refused call as the 401, 429
/// or 503 it is.
/// </summary>
internal sealed class GrpcRefusal(int httpStatus)
{
    public int HttpStatus { get; } = httpStatus;
}

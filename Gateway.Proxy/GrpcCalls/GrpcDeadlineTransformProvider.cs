using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.GrpcCalls;

/// <summary>
/// The backend gets the call's deadline as it stands when the call leaves the gateway: the
/// forwarded <c>grpc-timeout</c> is what is left of the client's (time spent on authentication and
/// rate limiting taken off), so the backend gives up no later than the client does. gRPC's own
/// proxies and servers propagate deadlines the same way.
/// </summary>
internal sealed class GrpcDeadlineTransformProvider(TimeProvider time) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) =>
        context.AddRequestTransform(transform =>
        {
            // The content type first: a plain HTTP request costs no feature lookup.
            if (GrpcRequest.IsGrpc(transform.HttpContext.Request)
                && transform.HttpContext.Features.Get<GrpcDeadline>() is { } deadline)
            {
                var headers = transform.ProxyRequest.Headers;
                headers.Remove(GrpcTimeout.HeaderName);
                headers.TryAddWithoutValidation(GrpcTimeout.HeaderName, GrpcTimeout.Format(deadline.Remaining(time)));
            }

            return ValueTask.CompletedTask;
        });
}

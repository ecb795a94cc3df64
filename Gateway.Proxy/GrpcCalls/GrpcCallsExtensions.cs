using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Proxy.GrpcCalls;

internal static class GrpcCallsExtensions
{
    /// <summary>
    /// gRPC calls through the gateway: its refusals as gRPC statuses
    /// (<see cref="GrpcProblemDetailsWriter"/>) and deadlines kept and forwarded
    /// (<see cref="GrpcDeadlineMiddleware"/>, <see cref="GrpcDeadlineTransformProvider"/>, added to
    /// YARP with the other transforms).
    /// </summary>
    public static IHostApplicationBuilder AddGrpcCalls(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        // First of all writers, whenever AddProblemDetails runs: IProblemDetailsService asks them in
        // registration order and the default one would take gRPC calls too (it writes for any
        // request without an Accept header that excludes JSON).
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, GrpcProblemDetailsWriter>());
        return builder;
    }

    /// <summary>Deadlines of gRPC calls: early in the pipeline, so that authentication and rate limiting are bounded by them too.</summary>
    public static IApplicationBuilder UseGrpcDeadlines(this IApplicationBuilder app) =>
        app.UseMiddleware<GrpcDeadlineMiddleware>();
}

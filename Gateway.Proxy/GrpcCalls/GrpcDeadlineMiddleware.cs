namespace Gateway.Proxy.GrpcCalls;

/// <summary>
/// The gateway keeps a gRPC call's deadline: a call with a <c>grpc-timeout</c> is given up when it
/// runs out, wherever the call is (an authentication lookup, the rate limiter, waiting for the
/// backend), instead of waiting for the cluster's activity timeout. The request's
/// <see cref="HttpContext.RequestAborted"/> is swapped for one that also fires at the deadline, as
/// ASP.NET's request timeouts middleware does, so everything that honours the request's
/// cancellation (YARP's forwarding included) stops then. Not ASP.NET's request timeouts
/// themselves: YARP reports a cancelled request as its own 400/502 without throwing, which that
/// middleware does not turn into a timeout response, and a timeout per call, read from a header,
/// is not a policy.
/// <list type="bullet">
/// <item>Before the backend has answered: the call ends with DEADLINE_EXCEEDED (a 504 through the
/// problem details writers, <see cref="GrpcProblemDetailsWriter"/>). YARP counts it as cancelled by
/// the client, so the backend is not marked unhealthy for a caller's short deadline.</item>
/// <item>After the response has started (a stream): YARP resets the stream, as a gRPC server does
/// when it can no longer finish a call. The backend, which got the deadline too
/// (<see cref="GrpcDeadlineTransformProvider"/>), normally ends it first with DEADLINE_EXCEEDED in
/// its trailers.</item>
/// </list>
/// </summary>
internal sealed class GrpcDeadlineMiddleware(RequestDelegate next, TimeProvider time, IProblemDetailsService problemDetails)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!GrpcRequest.IsGrpc(context.Request)
            || !GrpcTimeout.TryParse(context.Request.Headers[GrpcTimeout.HeaderName], out var timeout)
            || timeout > GrpcTimeout.MaxEnforced)
        {
            return next(context);
        }

        return WithDeadlineAsync(context, timeout);
    }

    private async Task WithDeadlineAsync(HttpContext context, TimeSpan timeout)
    {
        var aborted = context.RequestAborted;
        using var expiry = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, expiry.Token);
        context.Features.Set(new GrpcDeadline(time.GetTimestamp(), timeout));
        context.RequestAborted = linked.Token;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            // Given up at the deadline (e.g. during an authentication lookup): answered below.
        }
        finally
        {
            context.RequestAborted = aborted;
        }

        // Not when the gateway already refused the call (the refusal stands), nor when the client
        // went away (nobody to tell).
        if (expiry.IsCancellationRequested && !aborted.IsCancellationRequested
            && !context.Response.HasStarted && context.Features.Get<GrpcRefusal>() is null)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
            await problemDetails.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status504GatewayTimeout,
                    Detail = "The call's deadline (grpc-timeout) passed before the backend answered.",
                },
            });
        }
    }
}

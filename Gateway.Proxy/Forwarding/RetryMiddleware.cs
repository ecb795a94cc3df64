using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// Retries a request on another destination when it could not be sent at all (connection refused
/// or reset before a response), and only where that is safe: idempotent methods without a body,
/// nothing written to the client yet. A retry budget (a share of recent requests) keeps retries
/// from multiplying load on a struggling cluster: no retry storms.
/// </summary>
internal sealed class RetryMiddleware(RequestDelegate next, RetryBudget budget)
{
    private const int MaxRetries = 2;

    public async Task InvokeAsync(HttpContext context)
    {
        budget.Deposit();
        if (!IsSafeToRetry(context.Request))
        {
            await next(context);
            return;
        }

        var proxy = context.GetReverseProxyFeature();

        // Load balancing narrows AvailableDestinations to its pick: remember the candidates.
        var candidates = proxy.AvailableDestinations;
        for (var attempt = 0; ; attempt++)
        {
            await next(context);

            var error = context.GetForwarderErrorFeature();
            if (error is null || error.Error != ForwarderError.Request || context.Response.HasStarted
                || attempt >= MaxRetries || proxy.ProxiedDestination is not { } failed)
            {
                return;
            }

            var remaining = candidates.Where(d => d != failed).ToList();
            if (remaining.Count == 0 || !budget.TryWithdraw())
            {
                return;
            }

            candidates = remaining;
            proxy.AvailableDestinations = remaining;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
    }

    private static bool IsSafeToRetry(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        && request.ContentLength is null or 0
        && !request.Headers.ContainsKey("Transfer-Encoding");
}

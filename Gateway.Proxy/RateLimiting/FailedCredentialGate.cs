using System.Globalization;
using System.Text;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// The cheap refusal of a flood: a request whose credential the cache does not hold as valid, from
/// a client already known to be over its failed-credential budget, is answered 429 here, before the
/// authentication middleware, the lookup machinery and authorization run for it. Measured with
/// bench/flood.sh: this is what a flooding client's requests cost everyone else. Clients still
/// within their budget (or whose state this replica has not learnt yet) go on to the handler,
/// whose lookup takes a permit (<see cref="FailedCredentialLimiter"/>). A gRPC call's refusal goes
/// through <see cref="IProblemDetailsService"/> like every other, to be answered in gRPC's terms.
/// </summary>
internal sealed class FailedCredentialGate(RequestDelegate next, FailedCredentialLimiter failedCredentials, ProxyMetrics metrics, IProblemDetailsService problemDetails)
{
    private const string Detail = "Too many invalid credentials from this client. Retry after the number of seconds in Retry-After.";

    // One body for every such refusal (RFC 9457), written without serializing it each time.
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        $$"""{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too Many Requests","status":429,"detail":"{{Detail}}"}""");

    public Task InvokeAsync(HttpContext context)
    {
        if (!failedCredentials.IsSpent(context, out var retryAfter))
        {
            return next(context);
        }

        metrics.CredentialLookupRefused(Authentication.LookupRefusal.OverBudget);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        if (GrpcCalls.GrpcRequest.IsGrpc(context.Request))
        {
            return problemDetails.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Detail = Detail },
            }).AsTask();
        }

        response.ContentType = "application/problem+json";
        response.ContentLength = Body.Length;
        return response.Body.WriteAsync(Body, context.RequestAborted).AsTask();
    }
}

using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Microsoft.AspNetCore.WebUtilities;

namespace Gateway.Proxy.GrpcCalls;

/// <summary>
/// Every refusal the gateway writes goes through <see cref="IProblemDetailsService"/> (the
/// authentication and rate-limit challenges, the body limit, the escaped-slash check, the status
/// code pages behind host filtering, 404s and YARP's bare 502/504, the exception handler). For a
/// gRPC call this writer, registered before the default one, answers in gRPC's terms instead of
/// problem+json: HTTP 200, <c>content-type: application/grpc</c>, no body, and
/// <c>grpc-status</c>/<c>grpc-message</c> (<see cref="GrpcStatusMapping"/>).
/// <para>
/// As a trailers-only response: the status goes in the headers, which Kestrel sends as one HTTP/2
/// HEADERS frame that ends the stream; that is what Grpc.AspNetCore does for a call that fails
/// before its first message. Not in trailers: Grpc.Net.Client reads <c>grpc-retry-pushback-ms</c>
/// from the response headers only (its retry policy ignores a pushback in trailers), and a
/// trailers-only response needs no HTTP/2 trailer support from the listener.
/// </para>
/// <para>
/// A refusal that says when to come back (<c>Retry-After</c>, set by the rate limiter and the
/// authentication handler) also carries it as <c>grpc-retry-pushback-ms</c>, which gRPC's retry
/// policy waits for instead of its own backoff, and as a <c>google.rpc.RetryInfo</c> in
/// <c>grpc-status-details-bin</c> (the rich error model, for clients with Grpc.StatusProto). Other
/// response headers stay and reach the client as metadata (<c>WWW-Authenticate</c>, the
/// <c>RateLimit</c> headers).
/// </para>
/// </summary>
internal sealed class GrpcProblemDetailsWriter : IProblemDetailsWriter
{
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string RetryPushbackHeader = "grpc-retry-pushback-ms";
    public const string StatusDetailsHeader = "grpc-status-details-bin";

    public bool CanWrite(ProblemDetailsContext context) => GrpcRequest.IsGrpc(context.HttpContext.Request);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var response = http.Response;
        var httpStatus = context.ProblemDetails.Status ?? response.StatusCode;
        var status = GrpcStatusMapping.ForHttpStatus(httpStatus);
        var message = context.ProblemDetails.Detail ?? context.ProblemDetails.Title ?? ReasonPhrases.GetReasonPhrase(httpStatus);

        http.Features.Set(new GrpcRefusal(httpStatus));
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.ContentLength = null;

        var headers = response.Headers;
        headers[StatusHeader] = ((int)status).ToString(CultureInfo.InvariantCulture);
        headers[MessageHeader] = GrpcMessage.Encode(message);
        if (RetryAfter(headers) is { } retryAfter)
        {
            headers[RetryPushbackHeader] = ((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            var details = new Google.Rpc.Status
            {
                Code = (int)status,
                Message = message,
                Details = { Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }) },
            };
            headers[StatusDetailsHeader] = Convert.ToBase64String(details.ToByteArray());
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The refusal's <c>Retry-After</c> (the gateway writes whole seconds, never a date).</summary>
    private static TimeSpan? RetryAfter(IHeaderDictionary headers) =>
        int.TryParse(headers.RetryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}

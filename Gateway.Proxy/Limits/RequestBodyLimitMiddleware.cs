using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Limits;

/// <summary>
/// Applies the body size limit of the matched endpoint (its <see cref="IRequestSizeLimitMetadata"/>,
/// else the YARP route's <c>MaxRequestBodySize</c>, else Kestrel's <c>Limits:MaxRequestBodySize</c>)
/// and refuses a request whose declared <c>Content-Length</c> exceeds it with a 413 problem, before
/// authentication, rate limiting or proxying: nothing of such a request reaches the auth service or
/// a backend. Bodies without a length (chunked) are cut off by Kestrel when reading passes the limit.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IProblemDetailsService problemDetails)
{
    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is null)
        {
            return next(context);
        }

        var limit = LimitFor(context.GetEndpoint(), feature.MaxRequestBodySize);
        if (!feature.IsReadOnly)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (limit is { } max && context.Request.ContentLength > max)
        {
            return RejectAsync(context, max);
        }

        return next(context);
    }

    /// <summary>The limit that applies to <paramref name="endpoint"/>; null means unlimited.</summary>
    internal static long? LimitFor(Endpoint? endpoint, long? serverDefault)
    {
        if (endpoint?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } metadata)
        {
            return metadata.MaxRequestBodySize;
        }

        // YARP's convention: -1 disables the limit, any other value replaces the server's.
        if (endpoint?.Metadata.GetMetadata<RouteModel>()?.Config.MaxRequestBodySize is { } routeLimit)
        {
            return routeLimit < 0 ? null : routeLimit;
        }

        return serverDefault;
    }

    private async Task RejectAsync(HttpContext context, long max)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The body is not read: closing an HTTP/1.x connection keeps a client from streaming it
        // anyway (HTTP/2 has no Connection header; Kestrel resets the stream instead).
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Detail = $"The request body is larger than this route accepts ({max} bytes).",
            },
        });
    }
}

using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.Limits;

/// <summary>An endpoint's body size limit, read by routing and by <see cref="RequestBodyLimitMiddleware"/>.</summary>
internal sealed class RequestBodySizeLimit(long? maxRequestBodySize) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = maxRequestBodySize;
}

using Microsoft.AspNetCore.Http.Metadata;

namespace Gateway.Proxy.Limits;

/// <summary>An endpoint's body size limit, read by routing and by <see cref="RequestBodyLimitMiddleware"/>.</summary>
internal sealed class RequestBodySizeLimit(long? maxRequestBodySize) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = maxRequestBodySize;
}

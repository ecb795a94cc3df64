namespace Gateway.Proxy.GrpcCalls;

/// <summary>Which requests are gRPC calls, for which the gateway answers in gRPC's terms.</summary>
internal static class GrpcRequest
{
    private const string ContentType = "application/grpc";

    /// <summary>
    /// <c>application/grpc</c>, alone or with a message format (<c>application/grpc+proto</c>,
    /// <c>+json</c>) or parameters. Not gRPC-Web (<c>application/grpc-web</c>, <c>-web-text</c>):
    /// the gateway does not translate it, and its clients read a response body the gateway would
    /// not frame.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType) =>
        contentType is not null
        && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');

    public static bool IsGrpc(HttpRequest request) => IsGrpcContentType(request.ContentType);
}

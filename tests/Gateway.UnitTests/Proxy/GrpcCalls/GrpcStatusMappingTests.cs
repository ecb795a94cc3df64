using Gateway.Proxy.GrpcCalls;
using Grpc.Core;

namespace Gateway.UnitTests.Proxy.GrpcCalls;

/// <summary>The gRPC status of each refusal the gateway makes (docs/protocols.md has the same table).</summary>
public sealed class GrpcStatusMappingTests
{
    [Theory]
    [InlineData(400, StatusCode.InvalidArgument)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(405, StatusCode.Unimplemented)]
    [InlineData(408, StatusCode.DeadlineExceeded)]
    [InlineData(413, StatusCode.ResourceExhausted)]
    [InlineData(429, StatusCode.ResourceExhausted)]
    [InlineData(431, StatusCode.ResourceExhausted)]
    [InlineData(500, StatusCode.Internal)]
    [InlineData(501, StatusCode.Unimplemented)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.DeadlineExceeded)]
    [InlineData(418, StatusCode.Unknown)]
    [InlineData(599, StatusCode.Unknown)]
    public void ForHttpStatus_GatewayRefusal_IsItsGrpcStatus(int httpStatus, StatusCode expected) =>
        Assert.Equal(expected, GrpcStatusMapping.ForHttpStatus(httpStatus));

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc+json", true)]
    [InlineData("Application/GRPC", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpc-web-text", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_GrpcAndItsMessageFormats_NotGrpcWeb(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcRequest.IsGrpcContentType(contentType));
}

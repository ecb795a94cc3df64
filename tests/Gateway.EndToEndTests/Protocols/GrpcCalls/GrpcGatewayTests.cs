using Gateway.EndToEndTests.Infrastructure;
using Gateway.Sample.V1;
using Google.Protobuf;
using Grpc.Core;
using static Gateway.EndToEndTests.Protocols.GrpcCalls.GreeterChannels;

namespace Gateway.EndToEndTests.Protocols.GrpcCalls;

/// <summary>
/// Grpc.Net.Client through the real gateway to the sample API's Greeter (route <c>greeter</c>:
/// authenticated, rate-limited per user, forwarded over h2c to the backend's grpc endpoint).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class GrpcGatewayTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    [Fact]
    public async Task Unary_WithTokenOverH2c_Ok_BackendSeesTheIdentityAsMetadataAndNoCredential()
    {
        var (userName, _, login) = await AuthClients.NewLoggedInUserAsync();
        using var channel = H2c(Fixture);
        var client = new Greeter.GreeterClient(channel);

        var reply = await client.SayHelloAsync(new HelloRequest { Name = "h2c" }, Bearer(login.AccessToken), Deadline());

        Assert.Equal("Hello h2c from the sample API", reply.Message);
        Assert.Equal(login.UserId, reply.Metadata["x-user-id"]);
        Assert.Equal(userName, reply.Metadata["x-user-name"]);
        Assert.Equal(login.Plan, reply.Metadata["x-user-plan"]);
        Assert.True(reply.Metadata.ContainsKey("x-forwarded-for"));
        // The credential stays at the gateway (the route does not say ForwardCredentials).
        Assert.False(reply.Metadata.ContainsKey("authorization"));
    }

    [Fact]
    public async Task UnaryAndServerStreaming_WithTokenOverHttps_OkEveryMessageInOrder()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        using var channel = Https(Fixture);
        var client = new Greeter.GreeterClient(channel);

        var reply = await client.SayHelloAsync(new HelloRequest { Name = "tls" }, Bearer(login.AccessToken), Deadline());
        using var stream = client.StreamHellos(new StreamHellosRequest { Name = "tls", Count = 5, IntervalMs = 20 }, Bearer(login.AccessToken), Deadline());
        var replies = await ReadAllAsync(stream).WaitAsync(CallTimeout);

        Assert.Equal("Hello tls from the sample API", reply.Message);
        Assert.Equal([1u, 2u, 3u, 4u, 5u], replies.Select(r => r.Sequence));
        Assert.All(replies, r => Assert.Equal(login.UserId, r.Metadata["x-user-id"]));
        Assert.Equal(StatusCode.OK, stream.GetStatus().StatusCode);
    }

    /// <summary>
    /// The gRPC cluster's activity timeout is an idle timeout, longer than the HTTP cluster's 5 s:
    /// a stream whose backend is quiet for 6 s between messages is not cut.
    /// </summary>
    [Fact]
    public async Task ServerStreaming_QuietLongerThanTheHttpClustersActivityTimeout_NotCut()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        using var channel = H2c(Fixture);
        var client = new Greeter.GreeterClient(channel);

        using var stream = client.StreamHellos(new StreamHellosRequest { Count = 2, IntervalMs = 6_000 }, Bearer(login.AccessToken), Deadline());
        var replies = await ReadAllAsync(stream).WaitAsync(CallTimeout);

        Assert.Equal([1u, 2u], replies.Select(r => r.Sequence));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("gw_at_not-a-token-the-auth-service-issued-000000000000")]
    public async Task Calls_WithoutAValidToken_Unauthenticated_NotReachingTheBackend(string? token)
    {
        using var channel = H2c(Fixture);
        var client = new Greeter.GreeterClient(channel);

        var unary = await Assert.ThrowsAsync<RpcException>(() => client.SayHelloAsync(new HelloRequest(), Bearer(token), Deadline()).ResponseAsync);
        using var stream = client.StreamHellos(new StreamHellosRequest { Count = 1 }, Bearer(token), Deadline());
        var streaming = await Assert.ThrowsAsync<RpcException>(() => ReadAllAsync(stream));

        Assert.Equal(StatusCode.Unauthenticated, unary.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, streaming.StatusCode);
        // The gateway's own message (Grpc.Net.Client would say "Bad gRPC response" for a bare HTTP 401).
        Assert.Contains("credential", unary.Status.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("credential", streaming.Status.Detail, StringComparison.OrdinalIgnoreCase);
        // The challenge's other headers reach the client as metadata.
        Assert.StartsWith("Bearer", unary.Trailers.GetValue("www-authenticate"), StringComparison.Ordinal);
    }

    /// <summary>
    /// Refusals that are not the route's own: no route for the service, a backend that refuses
    /// connections. The message is the gateway's: Grpc.Net.Client maps a bare HTTP 404 or 502 to
    /// the same codes, but says "Bad gRPC response. HTTP status code: ...".
    /// </summary>
    [Theory]
    [InlineData("gateway.sample.v1.Missing", StatusCode.Unimplemented, "Not Found")] // 404: no route
    [InlineData("broken", StatusCode.Unavailable, "Bad Gateway")] // 502: the fixture's route to a closed port
    public async Task Call_GatewayRefusal_IsAGrpcStatus(string service, StatusCode expected, string message)
    {
        using var channel = H2c(Fixture);
        var method = new Method<HelloRequest, HelloReply>(
            MethodType.Unary, service, "SayHello", Marshallers.Create(r => r.ToByteArray(), HelloRequest.Parser.ParseFrom), Marshallers.Create(r => r.ToByteArray(), HelloReply.Parser.ParseFrom));

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            channel.CreateCallInvoker().AsyncUnaryCall(method, host: null, new CallOptions(deadline: Deadline()), new HelloRequest()).ResponseAsync);

        Assert.Equal(expected, refused.StatusCode);
        Assert.Equal(message, refused.Status.Detail);
    }
}

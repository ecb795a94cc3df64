using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.Sample.V1;
using Google.Protobuf;
using Grpc.Core;
using static Gateway.EndToEndTests.Protocols.GrpcCalls.GreeterChannels;

namespace Gateway.EndToEndTests.Protocols.GrpcCalls;

/// <summary>A gRPC call's deadline (<c>grpc-timeout</c>) reaches the backend, and the gateway keeps it itself.</summary>
[Collection(GatewayAppCollection.Name)]
public sealed class GrpcDeadlineTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    [Fact]
    public async Task Unary_WithADeadline_TheBackendGetsWhatIsLeftOfIt()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        using var channel = H2c(Fixture);
        var client = new Greeter.GreeterClient(channel);
        var timeout = TimeSpan.FromSeconds(10);

        var withDeadline = await client.SayHelloAsync(new HelloRequest(), Bearer(login.AccessToken), DateTime.UtcNow.Add(timeout));
        var without = await client.SayHelloAsync(new HelloRequest(), Bearer(login.AccessToken)).ResponseAsync.WaitAsync(CallTimeout);

        Assert.NotNull(withDeadline.DeadlineRemaining);
        Assert.InRange(withDeadline.DeadlineRemaining.ToTimeSpan(), TimeSpan.FromTicks(1), timeout);
        Assert.Null(without.DeadlineRemaining);
    }

    /// <summary>
    /// A backend that takes the call and never answers (a listener that accepts nothing, behind the
    /// fixture's anonymous <c>sink</c> route, whose activity timeout is YARP's default 100 s). The
    /// client is a plain HTTP/2 request with <c>grpc-timeout</c> and no deadline of its own: the
    /// DEADLINE_EXCEEDED it gets is the gateway's, not its own timer's nor the backend's.
    /// </summary>
    [Fact]
    public async Task Call_BackendNeverAnswers_GatewayEndsItWithDeadlineExceeded()
    {
        var hung = new TcpListener(IPAddress.Loopback, Fixture.SinkPort);
        hung.Start();
        try
        {
            using var client = new HttpClient { BaseAddress = Fixture.App.GetEndpoint("proxy", "h2c"), Timeout = TimeSpan.FromSeconds(20) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/sink/gateway.sample.v1.Greeter/SayHello")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = Framed(new HelloRequest { Name = "hung" }),
            };
            request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
            request.Headers.Add("grpc-timeout", "500m");

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(((int)StatusCode.DeadlineExceeded).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, "grpc-status"));
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
        finally
        {
            hung.Stop();
        }
    }

    /// <summary>One length-prefixed, uncompressed gRPC message.</summary>
    private static ByteArrayContent Framed(IMessage message)
    {
        var body = message.ToByteArray();
        var framed = new byte[5 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1, 4), (uint)body.Length);
        body.CopyTo(framed, 5);
        var content = new ByteArrayContent(framed);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        return content;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}

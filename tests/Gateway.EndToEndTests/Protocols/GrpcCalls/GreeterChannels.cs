using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.Sample.V1;
using Gateway.TestSupport;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.EndToEndTests.Protocols.GrpcCalls;

/// <summary>
/// Grpc.Net.Client channels to the sample Greeter through the gateway, as a user builds them: over
/// the proxy's h2c listener, or over HTTPS (HTTP/2 by ALPN) trusting the fixture's certificate.
/// </summary>
internal static class GreeterChannels
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    public static GrpcChannel H2c(GatewayAppFixture fixture, GrpcChannelOptions? options = null) =>
        GrpcChannel.ForAddress(fixture.App.GetEndpoint("proxy", "h2c"), options ?? new GrpcChannelOptions());

    public static GrpcChannel Https(GatewayAppFixture fixture) =>
        GrpcChannel.ForAddress(fixture.App.GetEndpoint("proxy", "https"), new GrpcChannelOptions
        {
            HttpHandler = TlsClients.Handler(fixture.ServerCertificate),
            DisposeHttpClient = true,
        });

    /// <summary>The caller's bearer token as <c>authorization</c> metadata, plus any other entries.</summary>
    public static Metadata Bearer(string? token, params (string Key, string Value)[] extra)
    {
        var metadata = new Metadata();
        if (token is not null)
        {
            metadata.Add("authorization", $"Bearer {token}");
        }

        foreach (var (key, value) in extra)
        {
            metadata.Add(key, value);
        }

        return metadata;
    }

    public static DateTime Deadline() => DateTime.UtcNow.Add(CallTimeout);

    public static async Task<List<HelloReply>> ReadAllAsync(AsyncServerStreamingCall<HelloReply> call)
    {
        var replies = new List<HelloReply>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            replies.Add(reply);
        }

        return replies;
    }
}

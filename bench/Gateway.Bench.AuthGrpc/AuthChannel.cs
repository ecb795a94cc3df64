using Grpc.Net.Client;

namespace Gateway.Bench.AuthGrpc;

internal static class AuthChannel
{
    /// <summary>
    /// A channel set up like the proxy's client (Gateway.Proxy/AuthClients): h2c to an http://
    /// address, more HTTP/2 connections only when one connection's stream limit is reached.
    /// </summary>
    public static GrpcChannel Create(Uri address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(2),
        },
        DisposeHttpClient = true,
    });
}

using System.Net;
using System.Net.Sockets;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>
/// An HttpClient whose connections come from a chosen loopback address (127.0.0.x), so per-client
/// limits can be exercised by distinct "clients" on one machine.
/// </summary>
public static class SourceAddressClient
{
    public static HttpClient Create(Uri baseAddress, IPAddress source) => new(CreateHandler(source))
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>A handler whose connections come from <paramref name="source"/> (to add cookies or redirects to).</summary>
    public static SocketsHttpHandler CreateHandler(IPAddress source) => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

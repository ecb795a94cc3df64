using System.Net;
using System.Net.WebSockets;

namespace Gateway.EndToEndTests.Protocols;

/// <summary>ClientWebSockets to one proxy replica, with the gateway's credentials, refusals readable.</summary>
internal static class GatewaySockets
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// An open socket to <paramref name="path"/> on the replica at <paramref name="replica"/>: an
    /// HTTP/1.1 upgrade, or with <paramref name="http2"/> an HTTP/2 extended CONNECT (RFC 8441;
    /// with prior knowledge on a cleartext address).
    /// </summary>
    public static async Task<ClientWebSocket> ConnectAsync(
        Uri replica, string path, string? bearer = null, string? apiKey = null, HttpMessageInvoker? invoker = null, bool http2 = false)
    {
        var socket = Create(bearer, apiKey);
        if (http2)
        {
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        try
        {
            await socket.ConnectAsync(WebSocketUri(replica, path), invoker, CancellationToken.None).WaitAsync(ConnectTimeout);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The HTTP status a refused handshake was answered with (a socket that opens fails the test).</summary>
    public static async Task<HttpStatusCode> RefusalAsync(Uri replica, string path, string? bearer = null, HttpMessageInvoker? invoker = null)
    {
        using var socket = Create(bearer, apiKey: null);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WebSocketUri(replica, path), invoker, CancellationToken.None).WaitAsync(ConnectTimeout));
        return socket.HttpStatusCode;
    }

    private static ClientWebSocket Create(string? bearer, string? apiKey)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // Silence means silence: the idle test must not be kept alive by the client's pings.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        if (bearer is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        }

        if (apiKey is not null)
        {
            socket.Options.SetRequestHeader("X-Api-Key", apiKey);
        }

        return socket;
    }

    private static Uri WebSocketUri(Uri replica, string path) => new UriBuilder(replica) { Scheme = "ws", Path = path }.Uri;
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Integration.Hostile;

/// <summary>
/// A stand-in backend on the fixture's sink port: counts the request heads the proxy forwards and
/// answers each with a small 200, so a test can prove that a rejected request never left the proxy.
/// </summary>
public sealed class SinkListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _requests;

    public SinkListener(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Request heads received so far (complete or not).</summary>
    public int Requests => Volatile.Read(ref _requests);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException or ObjectDisposedException)
        {
            // Stopped while accepting.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[64 * 1024];
                var received = new StringBuilder();
                int read;
                while ((read = await stream.ReadAsync(buffer, _stop.Token)) > 0)
                {
                    var before = received.Length == 0;
                    received.Append(Encoding.Latin1.GetString(buffer, 0, read));
                    if (before)
                    {
                        Interlocked.Increment(ref _requests);
                    }

                    if (received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nsink"u8.ToArray(), _stop.Token);
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}

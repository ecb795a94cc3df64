using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// A stand-in backend on the fixture's sink port: counts the request heads the proxy forwards and
/// answers each complete request with a small 200, so a test can prove that a rejected request never left the proxy,
/// and keeps each request head (request line and headers, exactly as forwarded).
/// </summary>
public sealed class SinkListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentQueue<string> _heads = new();
    private int _requests;
    private int _completeBodies;

    public SinkListener(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Request heads received so far (complete or not).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The request heads of complete requests, in arrival order (Latin-1: one char per byte).</summary>
    public IReadOnlyCollection<string> Heads => _heads;

    /// <summary>Requests that arrived whole (head and complete body) and were answered.</summary>
    public int CompleteBodies => Volatile.Read(ref _completeBodies);

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
                var received = new MemoryStream();
                int read;
                while ((read = await stream.ReadAsync(buffer, _stop.Token)) > 0)
                {
                    if (received.Length == 0)
                    {
                        Interlocked.Increment(ref _requests);
                    }

                    received.Write(buffer, 0, read);
                    // Like a real backend, answer only once the whole request (head and body) is in.
                    var bytes = received.GetBuffer().AsSpan(0, (int)received.Length);
                    if (IsComplete(bytes))
                    {
                        _heads.Enqueue(Encoding.Latin1.GetString(bytes[..bytes.IndexOf("\r\n\r\n"u8)]));
                        Interlocked.Increment(ref _completeBodies);
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

    private static bool IsComplete(ReadOnlySpan<byte> request)
    {
        var end = request.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }

        var head = Encoding.Latin1.GetString(request[..end]);
        var body = request[(end + 4)..];
        if (head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return body.EndsWith("0\r\n\r\n"u8);
        }

        var length = head.Split("\r\n")
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(parts => long.Parse(parts[1].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        return body.Length >= length;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}

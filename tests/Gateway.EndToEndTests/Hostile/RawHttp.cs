using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// HTTP/1.1 over a plain socket, so that tests can send what HttpClient refuses or normalises
/// (dot segments, raw control characters, duplicate or malformed headers), from a chosen loopback
/// source address. Every request says <c>Connection: close</c> and is read to the end of the stream.
/// </summary>
public static class RawHttp
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private const int MaxResponseBytes = 4 * 1024 * 1024;

    /// <summary>A request head (request line and headers, CRLF-separated) plus an optional body.</summary>
    public static byte[] Request(string method, string target, IEnumerable<(string Name, string Value)> headers, byte[]? body = null, string host = "localhost")
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(host).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (body is not null)
        {
            head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        // Latin-1 keeps every char below 256 as one byte: tests choose the exact bytes sent.
        return [.. Encoding.Latin1.GetBytes(head.ToString()), .. body ?? []];
    }

    /// <summary>Sends <paramref name="request"/> and reads the response; null when the server closed without one.</summary>
    public static async Task<RawResponse?> SendAsync(int port, IPAddress source, byte[] request, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            await stream.WriteAsync(request, timeout.Token);
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything (413, 431, 400).
        }

        return Parse(await ReadToEndAsync(stream, timeout.Token));
    }

    private static async Task<byte[]> ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0 && buffer.Length < MaxResponseBytes)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException) when (buffer.Length > 0)
        {
            // Reset after the response (the server discarded an unread body): what arrived is the answer.
        }

        return buffer.ToArray();
    }

    private static RawResponse? Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || end < 0 || text.Length < 12
            || !int.TryParse(text.AsSpan(9, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status))
        {
            return null;
        }

        var head = text[..end];
        var body = bytes.AsSpan(end + 4).ToArray();
        if (head.Contains("\r\nTransfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }

        return new RawResponse(status, head, body);
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < chunked.Length)
        {
            var lineEnd = chunked.AsSpan(position).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(chunked, position, lineEnd).Split(';')[0];
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }

            position += lineEnd + 2;
            output.Write(chunked, position, Math.Min(size, chunked.Length - position));
            position += size + 2;
        }

        return output.ToArray();
    }
}

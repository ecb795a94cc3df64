using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A subscription held on one node of a cluster, over a plain RESP connection. StackExchange.Redis
/// picks the node it subscribes on itself; this one is pinned, so a test can show that a message
/// reaches listeners on every node.
/// </summary>
public sealed class NodeSubscriber : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    private NodeSubscriber(TcpClient client, StreamReader reader)
    {
        _client = client;
        _reader = reader;
        _reading = ReadAsync();
    }

    /// <summary>Message payloads received so far, in order.</summary>
    public ConcurrentQueue<string> Messages { get; } = new();

    /// <summary>
    /// Connects to the node on <paramref name="port"/> as <paramref name="user"/> and subscribes
    /// to <paramref name="channel"/> (<c>SUBSCRIBE</c>, or <c>SSUBSCRIBE</c> when <paramref name="sharded"/>).
    /// Returns once the node confirmed the subscription.
    /// </summary>
    public static async Task<NodeSubscriber> ConnectAsync(int port, string user, string password, string channel, bool sharded = false)
    {
        var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.UTF8);
        await stream.WriteAsync(Command("AUTH", user, password));
        var auth = await reader.ReadLineAsync();
        if (auth != "+OK")
        {
            client.Dispose();
            throw new InvalidOperationException($"AUTH on {port}: {auth}");
        }

        await stream.WriteAsync(Command(sharded ? "SSUBSCRIBE" : "SUBSCRIBE", channel));
        var confirmation = await ReadArrayAsync(reader);
        if (confirmation is not [var kind, _, _] || !kind.EndsWith("subscribe", StringComparison.Ordinal))
        {
            client.Dispose();
            throw new InvalidOperationException($"SUBSCRIBE on {port}: {string.Join(' ', confirmation ?? [])}");
        }

        return new NodeSubscriber(client, reader);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _client.Dispose();
        await _reading.ContinueWith(_ => { }, TaskScheduler.Default);
        _reader.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        while (!_stop.IsCancellationRequested && await ReadArrayAsync(_reader) is { } reply)
        {
            // { "message", channel, payload } or { "smessage", channel, payload }
            if (reply is [var kind, _, var payload] && kind.EndsWith("message", StringComparison.Ordinal))
            {
                Messages.Enqueue(payload);
            }
        }
    }

    /// <summary>One array reply of bulk strings and integers (what pub/sub sends); null at the end of the stream.</summary>
    private static async Task<string[]?> ReadArrayAsync(StreamReader reader)
    {
        var header = await reader.ReadLineAsync();
        if (header is null || !header.StartsWith('*'))
        {
            return null;
        }

        var items = new string[int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture)];
        for (var i = 0; i < items.Length; i++)
        {
            var item = await reader.ReadLineAsync() ?? string.Empty;
            // Payloads here are single-line text, so a bulk string is its header and one line.
            items[i] = item.StartsWith('$') ? await reader.ReadLineAsync() ?? string.Empty : item.TrimStart(':');
        }

        return items;
    }

    private static byte[] Command(params string[] parts)
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            builder.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}

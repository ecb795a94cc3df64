using System.Net.WebSockets;
using System.Text;

namespace Gateway.TestSupport;

/// <summary>A test client's side of a WebSocket conversation, every await under a deadline.</summary>
public static class WebSocketTalk
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Sends <paramref name="text"/> and returns the next message (the echo, from an echo endpoint).</summary>
    public static async Task<string> EchoAsync(this WebSocket socket, string text)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).WaitAsync(Timeout);
        return Encoding.UTF8.GetString(await socket.ReceiveMessageAsync(64 * 1024));
    }

    /// <summary>
    /// Echoes a message every tenth of <paramref name="timeout"/> until two and a half timeouts
    /// have passed: traffic for longer than an idle timeout, never idle for long (a wide margin on
    /// a loaded runner).
    /// </summary>
    public static async Task KeepTalkingAsync(this WebSocket socket, TimeSpan timeout)
    {
        using var pace = new PeriodicTimer(timeout / 10);
        var talking = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; talking.Elapsed < timeout * 2.5; i++)
        {
            var text = $"m{i}";
            if (await socket.EchoAsync(text) != text)
            {
                throw new InvalidOperationException($"Message {text} was not echoed.");
            }

            await pace.WaitForNextTickAsync();
        }
    }

    /// <summary>The next whole message (a close instead fails the test).</summary>
    public static async Task<byte[]> ReceiveMessageAsync(this WebSocket socket, int maxLength)
    {
        var buffer = new byte[maxLength];
        var length = 0;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(Timeout);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"Expected a message, got a close: {socket.CloseStatus} {socket.CloseStatusDescription}.");
            }

            length += received.Count;
            if (received.EndOfMessage)
            {
                return buffer[..length];
            }
        }
    }

    /// <summary>
    /// The close frame the client receives next, answered as a browser answers it (ClientWebSocket
    /// leaves that to its caller). A connection that ends without a close frame fails the test
    /// (ReceiveAsync throws).
    /// </summary>
    public static async Task<(WebSocketCloseStatus? Status, string? Reason)> ReceiveCloseAsync(this WebSocket socket, TimeSpan? within = null)
    {
        var buffer = new byte[1_024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(within ?? Timeout);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                var close = (socket.CloseStatus, socket.CloseStatusDescription);
                await socket.CloseOutputAsync(close.CloseStatus ?? WebSocketCloseStatus.Empty, close.CloseStatusDescription, CancellationToken.None).WaitAsync(Timeout);
                return close;
            }
        }
    }
}

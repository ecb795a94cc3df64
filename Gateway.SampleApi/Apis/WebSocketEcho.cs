using System.Net.WebSockets;

namespace Gateway.SampleApi.Apis;

/// <summary>
/// <c>{space}/ws/echo</c>: sends every message back as it came (text or binary, fragment by
/// fragment) and answers a close with a close, so both ends of a close handshake can be watched
/// through the gateway.
/// </summary>
internal static class WebSocketEcho
{
    private const int BufferSize = 16 * 1024;

    public static async Task<IResult> AcceptAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.Problem(detail: "This endpoint speaks WebSocket only.", statusCode: StatusCodes.Status400BadRequest);
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await EchoAsync(socket, cancellationToken);
        return TypedResults.Empty;
    }

    private static async Task EchoAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    // Completes the handshake the other side (the client, or the gateway for it) began.
                    await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, cancellationToken);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The connection went away without a close handshake: nothing left to answer.
        }
    }
}

using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Proxy.WebSockets;

/// <summary>
/// The close frames the gateway writes itself (RFC 6455 section 5.5.1): a status code and a short
/// UTF-8 reason, unmasked towards the client (the gateway speaks as the server there) and masked
/// towards the backend (as the client; a server must refuse unmasked client frames).
/// </summary>
internal static class WebSocketCloseFrame
{
    /// <summary>A control frame's payload is at most 125 bytes: 2 for the code, the rest for the reason.</summary>
    public const int MaxReasonBytes = 123;

    public static byte[] Build(WebSocketCloseStatus status, string reason, bool masked)
    {
        var reasonLength = Encoding.UTF8.GetByteCount(reason);
        if (reasonLength > MaxReasonBytes)
        {
            throw new ArgumentException($"A close reason is at most {MaxReasonBytes} bytes of UTF-8.", nameof(reason));
        }

        var payloadLength = 2 + reasonLength;
        var headerLength = masked ? 6 : 2;
        var frame = new byte[headerLength + payloadLength];
        frame[0] = 0x88; // FIN, opcode close
        frame[1] = (byte)((masked ? 0x80 : 0) | payloadLength);
        var payload = frame.AsSpan(headerLength);
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        Encoding.UTF8.GetBytes(reason, payload[2..]);

        if (masked)
        {
            // The key must be unpredictable (section 10.3): it keeps a client's bytes from being read
            // by intermediaries as anything but a WebSocket frame.
            var key = frame.AsSpan(2, 4);
            RandomNumberGenerator.Fill(key);
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= key[i % 4];
            }
        }

        return frame;
    }
}

using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;

namespace Gateway.UnitTests.Proxy.WebSockets;

/// <summary>WebSocket frames built by hand (RFC 6455 section 5.2), to feed the gateway's frame handling.</summary>
internal static class Frames
{
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Continuation = 0x0;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;

    /// <summary>How the payload length is written: the shortest form, or forced to the 16- or 64-bit form.</summary>
    public enum Length
    {
        Shortest,
        Bits16,
        Bits64,
    }

    public static byte[] Build(byte opcode, int payloadLength, bool masked = false, bool fin = true, Length length = Length.Shortest, byte fill = 0x5A)
    {
        var form = length == Length.Shortest
            ? payloadLength switch { <= 125 => Length.Shortest, <= ushort.MaxValue => Length.Bits16, _ => Length.Bits64 }
            : length;
        var lengthBytes = form switch { Length.Bits16 => 2, Length.Bits64 => 8, _ => 0 };
        var header = 2 + lengthBytes + (masked ? 4 : 0);
        var frame = new byte[header + payloadLength];
        frame[0] = (byte)((fin ? 0x80 : 0) | opcode);
        frame[1] = (byte)((masked ? 0x80 : 0) | form switch { Length.Bits16 => 126, Length.Bits64 => 127, _ => payloadLength });
        if (form == Length.Bits16)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payloadLength);
        }
        else if (form == Length.Bits64)
        {
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payloadLength);
        }

        if (masked)
        {
            frame.AsSpan(2 + lengthBytes, 4).Fill(0xA5);
        }

        frame.AsSpan(header).Fill(fill);
        return frame;
    }

    /// <summary>The frames in <paramref name="bytes"/>, parsed independently of the code under test (payloads unmasked).</summary>
    public static List<(byte Opcode, bool Masked, byte[] Payload)> Parse(ReadOnlySpan<byte> bytes)
    {
        var frames = new List<(byte, bool, byte[])>();
        while (bytes.Length > 0)
        {
            var opcode = (byte)(bytes[0] & 0x0F);
            var masked = (bytes[1] & 0x80) != 0;
            var code = bytes[1] & 0x7F;
            var offset = 2;
            var length = (long)code;
            if (code == 126)
            {
                length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
                offset = 4;
            }
            else if (code == 127)
            {
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]);
                offset = 10;
            }

            var key = masked ? bytes.Slice(offset, 4).ToArray() : null;
            offset += masked ? 4 : 0;
            var payload = bytes.Slice(offset, (int)length).ToArray();
            if (key is not null)
            {
                for (var i = 0; i < payload.Length; i++)
                {
                    payload[i] ^= key[i % 4];
                }
            }

            frames.Add((opcode, masked, payload));
            bytes = bytes[(offset + (int)length)..];
        }

        return frames;
    }

    public static (WebSocketCloseStatus Status, string Reason) CloseOf(byte[] payload) =>
        ((WebSocketCloseStatus)BinaryPrimitives.ReadUInt16BigEndian(payload), Encoding.UTF8.GetString(payload, 2, payload.Length - 2));
}

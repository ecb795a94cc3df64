namespace Gateway.Proxy.WebSockets;

/// <summary>
/// Follows the frame boundaries of one direction of a WebSocket connection (RFC 6455 section 5.2)
/// from the bytes passing through, without buffering or unmasking payloads: only frame headers are
/// read (2 to 14 bytes: FIN/RSV/opcode, MASK and a 7-bit length, then a 16- or 64-bit length, then
/// a 4-byte masking key when MASK is set), payloads are skipped by count. The gateway needs this
/// to put a frame of its own (a close) into a byte stream YARP copies blindly: only between two
/// frames, never inside one. Headers and payloads may be split across writes anywhere.
/// </summary>
internal sealed class WebSocketFrameTracker
{
    /// <summary>2 bytes, an 8-byte extended length, a 4-byte masking key.</summary>
    public const int MaxHeaderLength = 14;

    private const byte CloseOpcode = 0x8;

    private readonly byte[] _header = new byte[MaxHeaderLength];
    private int _headerLength;
    private ulong _payloadLeft;

    /// <summary>Between two frames: the next byte, if any, starts a frame header.</summary>
    public bool AtBoundary => _headerLength == 0 && _payloadLeft == 0 && !Broken;

    /// <summary>A header that is not a frame (a 64-bit length with its top bit set): boundaries are unknown from here on.</summary>
    public bool Broken { get; private set; }

    /// <summary>A close frame's header has passed: this direction has begun (or completed) its side of the close handshake.</summary>
    public bool CloseStarted { get; private set; }

    /// <summary>A close frame has passed whole.</summary>
    public bool CloseCompleted => CloseStarted && AtBoundary;

    /// <summary>Frames that ended a data message (FIN set, opcode continuation, text or binary).</summary>
    public long Messages { get; private set; }

    /// <summary>Reads all of <paramref name="data"/>.</summary>
    public void Consume(ReadOnlySpan<byte> data) => Consume(data, stopAtBoundary: false);

    /// <summary>
    /// Reads <paramref name="data"/> up to the end of the frame in progress: the count returned is 0
    /// when already at a boundary, all of it when the frame does not end within it.
    /// </summary>
    public int ConsumeToBoundary(ReadOnlySpan<byte> data) => Consume(data, stopAtBoundary: true);

    private int Consume(ReadOnlySpan<byte> data, bool stopAtBoundary)
    {
        var read = 0;
        while (read < data.Length)
        {
            if (Broken)
            {
                return data.Length;
            }

            if (_payloadLeft > 0)
            {
                var skip = (int)Math.Min(_payloadLeft, (ulong)(data.Length - read));
                read += skip;
                _payloadLeft -= (ulong)skip;
                continue;
            }

            if (stopAtBoundary && _headerLength == 0)
            {
                return read;
            }

            _header[_headerLength++] = data[read++];
            TryCompleteHeader();
        }

        return read;
    }

    /// <summary>Starts the frame once its header is complete (the header's own bytes say how long it is).</summary>
    private void TryCompleteHeader()
    {
        if (_headerLength < 2)
        {
            return;
        }

        var lengthCode = _header[1] & 0x7F;
        var extendedLength = lengthCode switch { 126 => 2, 127 => 8, _ => 0 };
        var maskLength = (_header[1] & 0x80) != 0 ? 4 : 0;
        if (_headerLength < 2 + extendedLength + maskLength)
        {
            return;
        }

        var payloadLength = (ulong)lengthCode;
        if (extendedLength > 0)
        {
            payloadLength = 0;
            for (var i = 0; i < extendedLength; i++)
            {
                payloadLength = (payloadLength << 8) | _header[2 + i];
            }

            if (payloadLength > long.MaxValue)
            {
                Broken = true;
                return;
            }
        }

        var opcode = _header[0] & 0x0F;
        if (opcode == CloseOpcode)
        {
            CloseStarted = true;
        }
        else if ((_header[0] & 0x80) != 0 && opcode <= 0x2)
        {
            Messages++;
        }

        _headerLength = 0;
        _payloadLeft = payloadLength;
    }
}

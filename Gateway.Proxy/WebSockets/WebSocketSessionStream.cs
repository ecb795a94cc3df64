namespace Gateway.Proxy.WebSockets;

/// <summary>
/// The client side of an upgraded WebSocket connection as YARP sees it. YARP copies bytes both
/// ways without knowing frames: it reads what the client sends (<see cref="ReadAsync(Memory{byte}, CancellationToken)"/>)
/// and writes what the backend sends (<see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>).
/// This stream follows the frames of both directions (<see cref="WebSocketFrameTracker"/>) so the
/// gateway can close the socket itself, cleanly, when asked (<see cref="RequestClose"/>):
/// <list type="number">
/// <item>towards the client, its close frame goes out at the next frame boundary of what the
/// backend sends (the rest of a frame in progress first); after it, nothing of the backend's does;</item>
/// <item>towards the backend, the client's frame in progress is finished, then the gateway's own
/// (masked) close frame goes instead of anything more the client sends; the backend answers it and
/// ends its connection, which ends YARP's copying;</item>
/// <item>what the client still sends is read and dropped, watching for its answering close frame;</item>
/// <item>past <see cref="WebSocketSessionOptions.CloseTimeout"/>, reads fail, which makes YARP
/// end both connections as they stand.</item>
/// </list>
/// Until a close is requested, bytes pass unchanged, and the only cost is reading frame headers.
/// The inner stream is not disposed with this one: <see cref="CompleteAsync"/> ends it once YARP is
/// done, after a last chance to close an idle socket and to read the client's answer (a socket
/// closed with unread bytes sends a TCP reset).
/// </summary>
internal sealed class WebSocketSessionStream : Stream
{
    private const int Client = 1;
    private const int Backend = 2;

    private readonly Stream _inner;
    private readonly TimeSpan _closeTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly WebSocketFrameTracker _toClient = new();
    private readonly WebSocketFrameTracker _fromClient = new();
    // YARP writes from one task; the gateway's own close frame is written from another.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    // Wakes a read waiting for the client when a close is requested, so the backend's close can go.
    private readonly CancellationTokenSource _interrupt = new();
    // Fires CloseTimeout after a close is requested: reads then fail, and YARP ends both sides.
    private readonly CancellationTokenSource _deadline;

    private GatewayClose? _close;
    private volatile bool _closeWrittenToClient;
    // Set when the close was requested and the client's bytes reached a frame boundary: from then
    // on nothing the client sends is forwarded.
    private bool _cut;
    private byte[]? _closeForBackend;
    private int _closeForBackendSent;
    private int _firstClose;
    private CancellationTokenSource? _readLink;
    private CancellationTokenSource? _closingReadLink;
    private CancellationToken _readLinkFor;
    private byte[]? _scratch;

    public WebSocketSessionStream(Stream inner, TimeSpan closeTimeout, TimeProvider timeProvider)
    {
        _inner = inner;
        _closeTimeout = closeTimeout;
        _timeProvider = timeProvider;
        _deadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
    }

    /// <summary>The close the gateway started, if it did.</summary>
    public GatewayClose? RequestedClose => Volatile.Read(ref _close);

    /// <summary>Who sent the first close frame, if anyone did (the gateway's own not counted).</summary>
    public WebSocketCloseCause? FirstClose => Volatile.Read(ref _firstClose) switch
    {
        Client => WebSocketCloseCause.ClientClosed,
        Backend => WebSocketCloseCause.BackendClosed,
        _ => null,
    };

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Starts the gateway's close of this socket; the first request wins, later ones change nothing.
    /// Returns at once: the frames go out as the streams allow (see the class remarks).
    /// </summary>
    public bool RequestClose(GatewayClose close)
    {
        if (Interlocked.CompareExchange(ref _close, close, null) is not null)
        {
            return false;
        }

        _deadline.CancelAfter(_closeTimeout);
        // Off the caller's thread (it may be the invalidation subscriber's): a waiting read would
        // otherwise continue, and write to the backend, on it.
        _ = _interrupt.CancelAsync();
        _ = Task.Run(() => WriteCloseToClientWhenIdleAsync(close));
        return true;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_closeWrittenToClient)
            {
                // The gateway has closed towards the client; a frame may not follow a close frame.
                return;
            }

            if (Volatile.Read(ref _close) is { } close && !_toClient.CloseStarted)
            {
                var rest = _toClient.ConsumeToBoundary(buffer.Span);
                if (rest > 0)
                {
                    await _inner.WriteAsync(buffer[..rest], cancellationToken);
                }

                if (_toClient.AtBoundary)
                {
                    await WriteCloseToClientAsync(close, cancellationToken);
                }

                return;
            }

            _toClient.Consume(buffer.Span);
            NoteClose(_toClient, Backend);
            await _inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _inner.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_deadline.IsCancellationRequested)
            {
                throw new IOException("The gateway's close of this WebSocket was not answered in time.");
            }

            var close = Volatile.Read(ref _close);
            if (close is not null && !_cut && _fromClient.AtBoundary)
            {
                Cut(close);
            }

            if (_closeForBackend is { } frame)
            {
                if (buffer.Length == 0)
                {
                    return 0;
                }

                var count = Math.Min(buffer.Length, frame.Length - _closeForBackendSent);
                frame.AsSpan(_closeForBackendSent, count).CopyTo(buffer.Span);
                _closeForBackendSent += count;
                if (_closeForBackendSent == frame.Length)
                {
                    _closeForBackend = null;
                }

                return count;
            }

            if (_cut)
            {
                return await DropClientBytesAsync(cancellationToken);
            }

            int read;
            try
            {
                read = await _inner.ReadAsync(buffer, ReadToken(cancellationToken));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _interrupt.IsCancellationRequested)
            {
                // A close was requested while the client was quiet: go round to send it.
                continue;
            }

            if (read == 0 || buffer.Length == 0)
            {
                return read;
            }

            if (close is null && (close = Volatile.Read(ref _close)) is null)
            {
                _fromClient.Consume(buffer.Span[..read]);
                NoteClose(_fromClient, Client);
                return read;
            }

            // Closing, and the client was inside a frame: forward the rest of that frame only.
            var rest = _fromClient.ConsumeToBoundary(buffer.Span[..read]);
            if (_fromClient.AtBoundary)
            {
                Cut(close);
                _fromClient.Consume(buffer.Span[rest..read]);
            }

            if (rest > 0)
            {
                return rest;
            }
        }
    }

    /// <summary>
    /// After YARP has stopped copying: an idle socket it cut (<paramref name="idle"/>) gets the
    /// gateway's close frame if it can still be sent whole; then, if the gateway sent a close, the
    /// client's answer is awaited (within the close timeout) so that nothing is left unread; then
    /// the client's connection is released.
    /// </summary>
    public async Task CompleteAsync(bool idle)
    {
        try
        {
            if (idle && Interlocked.CompareExchange(ref _close, GatewayClose.IdleTimeout, null) is null)
            {
                _deadline.CancelAfter(_closeTimeout);
                await WriteCloseToClientWhenIdleAsync(GatewayClose.IdleTimeout);
            }

            if (_closeWrittenToClient && !_fromClient.CloseCompleted)
            {
                await DrainAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone or did not answer in time: nothing more to do for it.
        }
        finally
        {
            await _inner.DisposeAsync();
            _readLink?.Dispose();
            _closingReadLink?.Dispose();
            _interrupt.Dispose();
            _deadline.Dispose();
            _writeLock.Dispose();
        }
    }

    /// <summary>Disposing (YARP does, when it has stopped copying) leaves the client's connection to <see cref="CompleteAsync"/>.</summary>
    protected override void Dispose(bool disposing)
    {
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("WebSocket streams are read asynchronously.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("WebSocket streams are written asynchronously.");

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => throw new NotSupportedException("WebSocket streams are flushed asynchronously.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The client's bytes reached a frame boundary while closing: nothing more of theirs is forwarded, the gateway's close goes instead (unless theirs already went).</summary>
    private void Cut(GatewayClose close)
    {
        _cut = true;
        if (!_fromClient.CloseStarted)
        {
            _closeForBackend = close.BackendFrame();
        }
    }

    /// <summary>
    /// While closing, the client's bytes are read and dropped, watching for its close frame, until
    /// YARP stops reading (the backend ended its side: YARP cancels) or the deadline passes.
    /// </summary>
    private async Task<int> DropClientBytesAsync(CancellationToken cancellationToken)
    {
        using var link = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _deadline.Token);
        try
        {
            while (true)
            {
                var read = await _inner.ReadAsync(Scratch(), link.Token);
                if (read == 0)
                {
                    return 0;
                }

                _fromClient.Consume(Scratch().Span[..read]);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException("The gateway's close of this WebSocket was not answered in time.");
        }
    }

    /// <summary>Reads what the client still sends until its close frame has come whole, it hangs up, or the deadline.</summary>
    private async Task DrainAsync()
    {
        while (!_fromClient.CloseCompleted)
        {
            var read = await _inner.ReadAsync(Scratch(), _deadline.Token);
            if (read == 0)
            {
                return;
            }

            _fromClient.Consume(Scratch().Span[..read]);
        }
    }

    /// <summary>Sends the gateway's close now if the backend's bytes are between frames (else the next write does).</summary>
    private async Task WriteCloseToClientWhenIdleAsync(GatewayClose close)
    {
        try
        {
            await _writeLock.WaitAsync(_deadline.Token);
            try
            {
                if (!_closeWrittenToClient && !_toClient.CloseStarted && _toClient.AtBoundary)
                {
                    await WriteCloseToClientAsync(close, _deadline.Token);
                }
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone, or the session ended first: the deadline ends what is left.
        }
    }

    private async Task WriteCloseToClientAsync(GatewayClose close, CancellationToken cancellationToken)
    {
        await _inner.WriteAsync(close.ClientFrame, cancellationToken);
        await _inner.FlushAsync(cancellationToken);
        _closeWrittenToClient = true;
    }

    private void NoteClose(WebSocketFrameTracker direction, int side)
    {
        if (direction.CloseStarted && Volatile.Read(ref _firstClose) == 0)
        {
            Interlocked.CompareExchange(ref _firstClose, side, 0);
        }
    }

    /// <summary>
    /// YARP's token joined with the close request (until there is one) and the deadline: built once
    /// each, since YARP reads with one token for the whole copy.
    /// </summary>
    private CancellationToken ReadToken(CancellationToken yarp)
    {
        if (_readLinkFor != yarp)
        {
            _readLink?.Dispose();
            _closingReadLink?.Dispose();
            (_readLink, _closingReadLink) = (null, null);
            _readLinkFor = yarp;
        }

        return _interrupt.IsCancellationRequested
            ? (_closingReadLink ??= CancellationTokenSource.CreateLinkedTokenSource(yarp, _deadline.Token)).Token
            : (_readLink ??= CancellationTokenSource.CreateLinkedTokenSource(yarp, _interrupt.Token, _deadline.Token)).Token;
    }

    private Memory<byte> Scratch() => _scratch ??= new byte[4096];
}

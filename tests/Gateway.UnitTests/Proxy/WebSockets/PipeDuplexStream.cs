using System.IO.Pipelines;

namespace Gateway.UnitTests.Proxy.WebSockets;

/// <summary>
/// An upgraded client connection in memory: what the test sends as the client is read from it,
/// what is written to it the test receives as the client. Reads can be cancelled and resumed, as
/// Kestrel's can.
/// </summary>
internal sealed class PipeDuplexStream : Stream
{
    private readonly Pipe _fromClient = new();
    private readonly Pipe _toClient = new();
    private readonly Stream _reader;
    private readonly Stream _writer;

    public PipeDuplexStream()
    {
        _reader = _fromClient.Reader.AsStream();
        _writer = _toClient.Writer.AsStream();
    }

    public bool Disposed { get; private set; }

    public async Task ClientSendsAsync(byte[] bytes) => await _fromClient.Writer.WriteAsync(bytes);

    public void ClientHangsUp() => _fromClient.Writer.Complete();

    /// <summary>Everything written to the client until the stream was disposed.</summary>
    public async Task<byte[]> ClientReceivedAsync()
    {
        using var all = new MemoryStream();
        await _toClient.Reader.AsStream().CopyToAsync(all);
        return all.ToArray();
    }

    /// <summary>The next <paramref name="count"/> bytes written to the client.</summary>
    public async Task<byte[]> ClientReceivesAsync(int count)
    {
        var result = await _toClient.Reader.ReadAtLeastAsync(count);
        var bytes = System.Buffers.BuffersExtensions.ToArray(result.Buffer.Slice(0, count));
        _toClient.Reader.AdvanceTo(result.Buffer.GetPosition(count));
        return bytes;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _reader.ReadAsync(buffer, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _writer.WriteAsync(buffer, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    public override ValueTask DisposeAsync()
    {
        Disposed = true;
        _toClient.Writer.Complete();
        return ValueTask.CompletedTask;
    }

    public override void Flush() => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

using System.Buffers;
using Gateway.TestSupport;

namespace Gateway.UnitTests.Proxy.WebSockets;

/// <summary>
/// What YARP does with the client's side of an upgraded connection: a zero-byte read to wait for
/// data, then a read, forwarded to the backend (here: collected), until the end or a failure.
/// </summary>
internal sealed class BackendCopy
{
    private readonly ArrayBufferWriter<byte> _received = new();
    private readonly Lock _lock = new();

    public BackendCopy(Stream client, CancellationToken cancellationToken) => Completion = CopyAsync(client, cancellationToken);

    /// <summary>Ends when the client stream ends (0) or fails (the exception).</summary>
    public Task Completion { get; }

    public byte[] Received
    {
        get
        {
            lock (_lock)
            {
                return _received.WrittenSpan.ToArray();
            }
        }
    }

    public Task<byte[]> WaitForAsync(int count, string what) =>
        Poll.UntilAsync(_ => Task.FromResult(Received is { } bytes && bytes.Length >= count ? bytes : null), TimeSpan.FromSeconds(10), what);

    private async Task CopyAsync(Stream client, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            _ = await client.ReadAsync(Memory<byte>.Empty, cancellationToken);
            var read = await client.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }

            lock (_lock)
            {
                _received.Write(buffer.AsSpan(0, read));
            }
        }
    }
}

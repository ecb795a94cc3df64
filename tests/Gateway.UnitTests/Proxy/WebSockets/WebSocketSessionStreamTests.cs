using System.Net.WebSockets;
using Gateway.Proxy.WebSockets;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Proxy.WebSockets;

/// <summary>
/// The gateway's close of a socket YARP is copying: its close frame reaches each side only between
/// two frames, nothing follows it, and a close nobody answers ends at the close timeout.
/// </summary>
public sealed class WebSocketSessionStreamTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly PipeDuplexStream _client = new();
    private readonly CancellationTokenSource _yarp = new();

    [Fact]
    public async Task RequestClose_BackendFrameInProgress_CloseFollowsThatFrame_NothingAfterIt()
    {
        var stream = new WebSocketSessionStream(_client, CloseTimeout, TimeProvider.System);
        var frame = Frames.Build(Frames.Binary, 1_000);

        await stream.WriteAsync(frame.AsMemory(0, 300));
        Assert.True(stream.RequestClose(GatewayClose.CredentialRevoked));
        await stream.WriteAsync(frame.AsMemory(300).ToArray().Concat(Frames.Build(Frames.Text, 10)).ToArray());
        await _client.ClientSendsAsync(Frames.Build(Frames.Close, 2, masked: true));
        await stream.CompleteAsync(idle: false).WaitAsync(Timeout);

        var received = Frames.Parse(await _client.ClientReceivedAsync());
        Assert.Equal([Frames.Binary, Frames.Close], received.Select(f => f.Opcode));
        Assert.Equal(1_000, received[0].Payload.Length);
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "credential revoked"), Frames.CloseOf(received[1].Payload));
        Assert.False(received[1].Masked);
    }

    [Fact]
    public async Task RequestClose_BackendQuiet_ClientGetsTheCloseAtOnce()
    {
        var stream = new WebSocketSessionStream(_client, CloseTimeout, TimeProvider.System);
        await stream.WriteAsync(Frames.Build(Frames.Text, 3));

        stream.RequestClose(GatewayClose.Shutdown);

        var expected = GatewayClose.Shutdown.ClientFrame.Length;
        var received = Frames.Parse(await _client.ClientReceivesAsync(5 + expected).WaitAsync(Timeout));
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down"), Frames.CloseOf(received[1].Payload));
    }

    [Fact]
    public async Task RequestClose_ClientFrameInProgress_BackendGetsItsRestThenAMaskedClose_NothingMoreOfTheClients()
    {
        var stream = new WebSocketSessionStream(_client, CloseTimeout, TimeProvider.System);
        var copy = new BackendCopy(stream, _yarp.Token);
        var frame = Frames.Build(Frames.Binary, 1_000, masked: true);
        await _client.ClientSendsAsync(frame[..300]);
        await copy.WaitForAsync(300, "the start of the client's frame to reach the backend");

        stream.RequestClose(GatewayClose.CredentialRevoked);
        await _client.ClientSendsAsync([.. frame[300..], .. Frames.Build(Frames.Text, 10, masked: true)]);

        var closeLength = GatewayClose.CredentialRevoked.BackendFrame().Length;
        var received = Frames.Parse(await copy.WaitForAsync(frame.Length + closeLength, "the rest of the frame and the gateway's close"));
        Assert.Equal([Frames.Binary, Frames.Close], received.Select(f => f.Opcode));
        Assert.True(received[1].Masked);
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "credential revoked"), Frames.CloseOf(received[1].Payload));

        // The client's answer is read (so no reset) but not forwarded; the copy waits for the backend's end.
        await _client.ClientSendsAsync(Frames.Build(Frames.Close, 2, masked: true));
        await _yarp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy.Completion.WaitAsync(Timeout));
        Assert.Equal(frame.Length + closeLength, copy.Received.Length);
    }

    [Fact]
    public async Task RequestClose_ClientQuiet_WaitingReadWakesAndBackendGetsTheClose()
    {
        var stream = new WebSocketSessionStream(_client, CloseTimeout, TimeProvider.System);
        var copy = new BackendCopy(stream, _yarp.Token);
        await _client.ClientSendsAsync(Frames.Build(Frames.Text, 4, masked: true));
        await copy.WaitForAsync(10, "the client's message to reach the backend");

        stream.RequestClose(GatewayClose.AccessRevoked);

        var received = Frames.Parse(await copy.WaitForAsync(10 + GatewayClose.AccessRevoked.BackendFrame().Length, "the gateway's close"));
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "access revoked"), Frames.CloseOf(received[1].Payload));
    }

    [Fact]
    public async Task RequestClose_NobodyAnswers_ReadsFailAtTheCloseTimeout()
    {
        var time = new FakeTimeProvider();
        var stream = new WebSocketSessionStream(_client, CloseTimeout, time);
        var copy = new BackendCopy(stream, _yarp.Token);

        stream.RequestClose(GatewayClose.Shutdown);
        await copy.WaitForAsync(GatewayClose.Shutdown.BackendFrame().Length, "the gateway's close");
        time.Advance(CloseTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(copy.Completion.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<IOException>(() => copy.Completion.WaitAsync(Timeout));
    }

    [Fact]
    public async Task CompleteAsync_IdleCut_ClientGets1001_ThenItsAnswerIsRead()
    {
        var stream = new WebSocketSessionStream(_client, CloseTimeout, TimeProvider.System);
        await _client.ClientSendsAsync(Frames.Build(Frames.Close, 2, masked: true));

        await stream.CompleteAsync(idle: true).WaitAsync(Timeout);

        var received = Frames.Parse(await _client.ClientReceivedAsync());
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "idle timeout"), Frames.CloseOf(Assert.Single(received).Payload));
        Assert.Equal(WebSocketCloseCause.IdleTimeout, stream.RequestedClose?.Cause);
        Assert.True(_client.Disposed);
    }

    [Fact]
    public async Task BackendCloses_ItsClosePassesUnchanged_GatewayAddsNone()
    {
        var stream = new WebSocketSessionStream(_client, CloseTimeout, TimeProvider.System);
        var close = Frames.Build(Frames.Close, 2);

        await stream.WriteAsync(close);
        stream.RequestClose(GatewayClose.Shutdown);
        await stream.CompleteAsync(idle: false).WaitAsync(Timeout);

        Assert.Equal(close, await _client.ClientReceivedAsync());
        Assert.Equal(WebSocketCloseCause.BackendClosed, stream.FirstClose);
    }

    [Fact]
    public async Task NoClose_BytesPassUnchangedBothWays()
    {
        var stream = new WebSocketSessionStream(_client, CloseTimeout, TimeProvider.System);
        var copy = new BackendCopy(stream, _yarp.Token);
        byte[] fromClient = [.. Frames.Build(Frames.Text, 70_000, masked: true), .. Frames.Build(Frames.Close, 0, masked: true)];
        byte[] toClient = [.. Frames.Build(Frames.Binary, 200), .. Frames.Build(Frames.Close, 0)];

        await _client.ClientSendsAsync(fromClient);
        _client.ClientHangsUp();
        await copy.Completion.WaitAsync(Timeout);
        await stream.WriteAsync(toClient);
        await stream.CompleteAsync(idle: false).WaitAsync(Timeout);

        Assert.Equal(fromClient, copy.Received);
        Assert.Equal(toClient, await _client.ClientReceivedAsync());
        Assert.Equal(WebSocketCloseCause.ClientClosed, stream.FirstClose);
        Assert.Null(stream.RequestedClose);
    }

    public async ValueTask DisposeAsync()
    {
        await _yarp.CancelAsync();
        _yarp.Dispose();
    }
}

using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.WebSockets;
using Gateway.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Proxy.WebSockets;

/// <summary>
/// WebSockets through a real YARP proxy with the gateway's sessions: echoes pass, and every close
/// the gateway starts (revocation, a credential that is no longer valid or allowed, shutdown, idle)
/// reaches the client as a close frame with its status, never as a dropped connection.
/// </summary>
public sealed class WebSocketGatewayTests
{
    private static readonly TimeSpan Timeout = WebSocketGateway.Timeout;

    [Fact]
    public async Task Echo_TextAndBinaryLargerThanTheBodyLimit_ThenClientClose_CountedAsClientClosed()
    {
        await using var gateway = await WebSocketGateway.StartAsync();
        using var socket = await gateway.ConnectAsync("api", gateway.Issue(WebSocketGateway.Caller()));

        Assert.Equal("hello", await socket.EchoAsync("hello"));
        var large = new byte[200_000];
        Random.Shared.NextBytes(large);
        await socket.SendAsync(large, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(large, await socket.ReceiveMessageAsync(large.Length));

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        var totals = await Poll.UntilAsync(_ => Task.FromResult(gateway.Metrics.ReadWebSocketCounters() is { Open: 0 } t ? t : null), Timeout, "the session to end");
        Assert.Equal(1, totals.Opened);
        Assert.Equal(1, totals[WebSocketCloseCause.ClientClosed]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CredentialRevoked_Client1008_BackendGetsTheGatewaysClose_NotADroppedConnection(bool http2)
    {
        // Over HTTP/2 the socket is an extended CONNECT stream (RFC 8441) that YARP turns into an
        // HTTP/1.1 upgrade to the backend: the same frames, the same clean close.
        await using var gateway = await WebSocketGateway.StartAsync(http2: http2);
        var token = gateway.Issue(WebSocketGateway.Caller());
        using var socket = await gateway.ConnectAsync("api", token);
        Assert.Equal(http2 ? System.Net.HttpStatusCode.OK : System.Net.HttpStatusCode.SwitchingProtocols, socket.HttpStatusCode);
        Assert.Equal("before", await socket.EchoAsync("before"));

        gateway.Cache.Invalidate(CredentialKey.From(token));

        var close = await socket.ReceiveCloseAsync();
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "credential revoked"), close);
        await Poll.UntilAsync(_ => Task.FromResult(gateway.BackendCloses.TryPeek(out var status) ? (object?)status : null), Timeout, "the backend socket to end");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, Assert.Single(gateway.BackendCloses));
        await Poll.UntilAsync(_ => Task.FromResult(gateway.Metrics.ReadWebSocketCounters() is { Open: 0 } t ? t : null), Timeout, "the session to end");
        Assert.Equal(1, gateway.Metrics.ReadWebSocketCounters()[WebSocketCloseCause.CredentialRevoked]);
    }

    [Fact]
    public async Task InvalidateAll_OnlyTheSocketWhoseCredentialIsNoLongerValidIsClosed()
    {
        await using var gateway = await WebSocketGateway.StartAsync();
        var kept = gateway.Issue(WebSocketGateway.Caller());
        var revoked = gateway.Issue(WebSocketGateway.Caller());
        using var keptSocket = await gateway.ConnectAsync("api", kept);
        using var revokedSocket = await gateway.ConnectAsync("api", revoked);
        // Revoked at the auth service, and the proxy missed the invalidation: it only knows that it missed some.
        gateway.Validator.Answer(revoked, AuthLookup.Invalid);

        gateway.Cache.InvalidateAll();

        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "credential revoked"), await revokedSocket.ReceiveCloseAsync());
        await Poll.UntilAsync(_ => Task.FromResult(gateway.Validator.Calls >= 2 ? (object?)true : null), Timeout, "both credentials to be checked again");
        Assert.Equal("still here", await keptSocket.EchoAsync("still here"));
        Assert.Equal(WebSocketState.Open, keptSocket.State);
    }

    [Fact]
    public async Task UserChanged_PlanNoLongerMeetsTheRoutePolicy_1008AccessRevoked_ValidOnesStay()
    {
        await using var gateway = await WebSocketGateway.StartAsync();
        var userId = Guid.NewGuid().ToString("D");
        var token = gateway.Issue(WebSocketGateway.Caller("pro", userId));
        using var pro = await gateway.ConnectAsync("pro", token);
        using var api = await gateway.ConnectAsync("api", token);
        gateway.Validator.Answer(token, AuthLookup.Valid(WebSocketGateway.Caller("free", userId), expiresAt: null));

        gateway.Cache.InvalidateUser(userId);

        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "access revoked"), await pro.ReceiveCloseAsync());
        Assert.Equal("free is fine here", await api.EchoAsync("free is fine here"));
    }

    [Fact]
    public async Task InvalidateAll_AuthServiceCannotAnswer_SocketStaysOpen()
    {
        await using var gateway = await WebSocketGateway.StartAsync();
        var token = gateway.Issue(WebSocketGateway.Caller());
        using var socket = await gateway.ConnectAsync("api", token);
        gateway.Validator.Answer(token, AuthLookup.Unavailable(TimeSpan.FromSeconds(1)));

        gateway.Cache.InvalidateAll();
        await Poll.UntilAsync(_ => Task.FromResult(gateway.Validator.Calls >= 2 ? (object?)true : null), Timeout, "the credential to be asked about twice");

        Assert.Equal("open", await socket.EchoAsync("open"));
    }

    [Fact]
    public async Task ProxyStops_OpenSocketsGet1001GoingAway()
    {
        await using var gateway = await WebSocketGateway.StartAsync();
        using var socket = await gateway.ConnectAsync("api", gateway.Issue(WebSocketGateway.Caller()));
        Assert.Equal("before", await socket.EchoAsync("before"));

        var stopping = gateway.StopProxyAsync();

        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down"), await socket.ReceiveCloseAsync());
        await stopping.WaitAsync(Timeout);
    }

    [Fact]
    public async Task MessagesFlowLongerThanTheActivityTimeout_StaysOpen_ThenIdle_1001IdleTimeout()
    {
        var activityTimeout = TimeSpan.FromSeconds(1);
        await using var gateway = await WebSocketGateway.StartAsync(activityTimeout);
        using var socket = await gateway.ConnectAsync("api", gateway.Issue(WebSocketGateway.Caller()));

        await socket.KeepTalkingAsync(activityTimeout);

        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "idle timeout"), await socket.ReceiveCloseAsync());
        await Poll.UntilAsync(_ => Task.FromResult(gateway.Metrics.ReadWebSocketCounters() is { Open: 0 } t ? t : null), Timeout, "the session to end");
        Assert.Equal(1, gateway.Metrics.ReadWebSocketCounters()[WebSocketCloseCause.IdleTimeout]);
    }

    [Fact]
    public async Task RequestDuration_EndsAtTheUpgrade_TheSessionsLengthIsItsOwnMetric()
    {
        var time = new FakeTimeProvider();
        await using var gateway = await WebSocketGateway.StartAsync(time: time);
        var requests = new List<double>();
        var sessions = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == gateway.Metrics.Meter && instrument.Name is "gateway.proxy.request.duration" or "gateway.proxy.websocket.session.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (requests)
            {
                (instrument.Name == "gateway.proxy.request.duration" ? requests : sessions).Add(value);
            }
        });
        listener.Start();

        using var socket = await gateway.ConnectAsync("api", gateway.Issue(WebSocketGateway.Caller()));
        time.Advance(TimeSpan.FromHours(1));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Timeout);
        await Poll.UntilAsync(_ => Task.FromResult(Count(requests) > 0 && Count(sessions) > 0 ? (object?)true : null), Timeout, "both durations to be recorded");

        lock (requests)
        {
            Assert.Equal(0, Assert.Single(requests));
            Assert.Equal(3600, Assert.Single(sessions));
        }
    }

    private static int Count(List<double> values)
    {
        lock (values)
        {
            return values.Count;
        }
    }
}

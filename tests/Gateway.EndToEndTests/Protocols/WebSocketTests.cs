using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.Protocols;

/// <summary>
/// WebSockets through both proxy replicas to the sample API's echo endpoint, over HTTP/1.1
/// upgrades (and once over HTTP/2 extended CONNECT, on the proxy's h2c listener): authenticated and
/// rate-limited at the handshake, not cut by the activity timeout while messages flow, closed
/// cleanly (1008) when the credential is revoked, counted in the replica's metrics.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class WebSocketTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    /// <summary>The documented revocation bound (2 s while Redis answers), plus room for a loaded 2-core runner.</summary>
    private static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(15);

    private IEnumerable<Uri> ReplicaAddresses => Replicas.Clients.Select(client => client.BaseAddress!);

    [Fact]
    public async Task Echo_WithTokenOrApiKey_TextAndBinaryOnEveryReplica_CleanClientClose()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var key = await AuthClients.Auth.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = login.AccessToken, Name = "ws" }, deadline: AuthClients.Deadline());

        foreach (var replica in ReplicaAddresses)
        {
            foreach (var (bearer, apiKey) in new (string?, string?)[] { (login.AccessToken, null), (null, key.ApiKey) })
            {
                using var socket = await GatewaySockets.ConnectAsync(replica, "/api/ws/echo", bearer, apiKey);

                Assert.Equal("hello", await socket.EchoAsync("hello"));
                var binary = RandomNumberGenerator.GetBytes(100_000);
                await socket.SendAsync(binary, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).WaitAsync(WebSocketTalk.Timeout);
                Assert.Equal(binary, await socket.ReceiveMessageAsync(binary.Length));

                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(WebSocketTalk.Timeout);
                Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
            }
        }
    }

    [Fact]
    public async Task Http2ExtendedConnect_OnTheH2cListener_EchoesAndARevokedTokenGets1008()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var replica = (await ResourceReplicas.WaitForAllHealthyAsync(Fixture.App, "proxy", expected: 2, cts.Token))[0];
        var h2c = ResourceReplicas.KestrelAddress(replica, "h2c") ?? throw new InvalidOperationException("the proxy has no h2c listener in the test fixture");
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var socket = await GatewaySockets.ConnectAsync(h2c, "/api/ws/echo", login.AccessToken, invoker: invoker, http2: true);

        // 200 to the CONNECT, not 101: the socket is an HTTP/2 stream.
        Assert.Equal(HttpStatusCode.OK, socket.HttpStatusCode);
        Assert.Equal("over h2", await socket.EchoAsync("over h2"));

        await AuthClients.Auth.RevokeTokenAsync(new RevokeTokenRequest { AccessToken = login.AccessToken }, deadline: AuthClients.Deadline());
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "credential revoked"), await socket.ReceiveCloseAsync(RevocationBound));
    }

    [Fact]
    public async Task Handshake_ProtectedRouteWithoutCredential_401ProblemWithBearerChallenge()
    {
        var replica = Replicas.Clients[0];
        Assert.Equal(HttpStatusCode.Unauthorized, await GatewaySockets.RefusalAsync(replica.BaseAddress!, "/api/ws/echo"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GatewaySockets.RefusalAsync(replica.BaseAddress!, "/api/ws/echo", bearer: "gw_at_" + new string('A', 43)));

        // The same handshake by hand, to read the refusal's body.
        using var response = await replica.SendAsync(Handshake("/api/ws/echo"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(401, (await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync())).RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Handshake_OverTheRouteLimit_429_LimitCountsHandshakesNotMessages()
    {
        // rl-ip: 5 requests per minute per client address; this address is this test's alone.
        using var handler = SourceAddressClient.CreateHandler(IPAddress.Parse("127.0.119.1"));
        using var invoker = new HttpMessageInvoker(handler);
        var replica = Replicas.Clients[0].BaseAddress!;
        for (var i = 0; i < 5; i++)
        {
            using var socket = await GatewaySockets.ConnectAsync(replica, "/rl/ip/ws/echo", invoker: invoker);
            // Messages on an open socket are not requests: they spend nothing of the limit.
            for (var m = 0; m < 10; m++)
            {
                Assert.Equal($"{i}.{m}", await socket.EchoAsync($"{i}.{m}"));
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(WebSocketTalk.Timeout);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await GatewaySockets.RefusalAsync(replica, "/rl/ip/ws/echo", invoker: invoker));
    }

    [Fact]
    public async Task MessagesFlowLongerThanTheActivityTimeout_SocketStaysOpen_ThenIdleSocketGets1001()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var timeout = GatewayAppFixture.ShortActivityTimeout;
        using var socket = await GatewaySockets.ConnectAsync(Replicas.Clients[1].BaseAddress!, "/ws-idle/ws/echo", login.AccessToken);

        // Messages for longer than the route's activity timeout, a tenth of it apart (a wide margin
        // on a loaded runner: a gap as long as the timeout would close the socket).
        await socket.KeepTalkingAsync(timeout);

        // Then silence: the activity timeout applies as an idle timeout, and the gateway says so.
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "idle timeout"), await socket.ReceiveCloseAsync());
    }

    [Fact]
    public async Task TokenRevoked_ItsSocketsOnEveryReplicaGet1008WithinTheBound_OthersStayOpen()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var (_, _, other) = await AuthClients.NewLoggedInUserAsync();
        var sockets = new List<ClientWebSocket>();
        try
        {
            foreach (var replica in ReplicaAddresses)
            {
                sockets.Add(await GatewaySockets.ConnectAsync(replica, "/api/ws/echo", login.AccessToken));
            }

            using var bystander = await GatewaySockets.ConnectAsync(Replicas.Clients[0].BaseAddress!, "/api/ws/echo", other.AccessToken);
            Assert.All(await Task.WhenAll(sockets.Select(s => s.EchoAsync("before"))), echo => Assert.Equal("before", echo));

            var revoked = await AuthClients.Auth.RevokeTokenAsync(new RevokeTokenRequest { AccessToken = login.AccessToken }, deadline: AuthClients.Deadline());
            Assert.True(revoked.Revoked);

            foreach (var close in await Task.WhenAll(sockets.Select(s => s.ReceiveCloseAsync(RevocationBound))))
            {
                Assert.Equal((WebSocketCloseStatus.PolicyViolation, "credential revoked"), close);
            }

            Assert.Equal("still open", await bystander.EchoAsync("still open"));
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task ARevocationTheReplicasMissed_OnlyItsSocketsAreClosed_TheOthersAreCheckedAndStayOpen()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var (_, _, other) = await AuthClients.NewLoggedInUserAsync();
        var revokedSockets = new List<ClientWebSocket>();
        var keptSockets = new List<ClientWebSocket>();
        try
        {
            foreach (var replica in ReplicaAddresses)
            {
                revokedSockets.Add(await GatewaySockets.ConnectAsync(replica, "/api/ws/echo", login.AccessToken));
                keptSockets.Add(await GatewaySockets.ConnectAsync(replica, "/api/ws/echo", other.AccessToken));
            }

            // The replicas do not hear this revocation: they find a gap in the invalidation numbers,
            // cannot know what was revoked, and check every socket's credential again.
            await ProxySubscriptions.CutWhileAsync(Fixture.App, async () =>
            {
                var revoked = await AuthClients.Auth.RevokeTokenAsync(new RevokeTokenRequest { AccessToken = login.AccessToken }, deadline: AuthClients.Deadline());
                Assert.True(revoked.Revoked);
            });

            foreach (var close in await Task.WhenAll(revokedSockets.Select(s => s.ReceiveCloseAsync(RevocationBound))))
            {
                Assert.Equal((WebSocketCloseStatus.PolicyViolation, "credential revoked"), close);
            }

            Assert.All(await Task.WhenAll(keptSockets.Select(s => s.EchoAsync("kept"))), echo => Assert.Equal("kept", echo));
        }
        finally
        {
            revokedSockets.Concat(keptSockets).ToList().ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Session_CountedOnItsReplica_OpenedOpenThenClosedByTheClient()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        var replica = Replicas.Clients[1];
        var before = await WebSocketCountsAsync(replica, adminToken);

        using (var socket = await GatewaySockets.ConnectAsync(replica.BaseAddress!, "/api/ws/echo", login.AccessToken))
        {
            Assert.Equal("counted", await socket.EchoAsync("counted"));
            var open = await WebSocketCountsAsync(replica, adminToken);
            Assert.Equal(before.Opened + 1, open.Opened);
            Assert.Equal(before.Open + 1, open.Open);

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(WebSocketTalk.Timeout);
        }

        var after = await Poll.UntilAsync(
            async _ => await WebSocketCountsAsync(replica, adminToken) is { } counts && counts.ClientClosed > before.ClientClosed ? counts : null,
            TimeSpan.FromSeconds(15),
            "the session to be counted as closed by the client");
        Assert.Equal(before.Open, after.Open);
    }

    private sealed record WebSocketCounts(long Opened, long Open, long ClientClosed);

    private static async Task<WebSocketCounts> WebSocketCountsAsync(HttpClient replica, string adminToken)
    {
        var webSockets = (await ProxyReplicas.DiagnosticsAsync(replica, adminToken)).GetProperty("webSockets");
        return new WebSocketCounts(
            webSockets.GetProperty("opened").GetInt64(),
            webSockets.GetProperty("open").GetInt64(),
            webSockets.GetProperty("closed").GetProperty("client_closed").GetInt64());
    }

    /// <summary>A WebSocket handshake as a plain request (RFC 6455 section 4.1).</summary>
    private static HttpRequestMessage Handshake(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        return request;
    }
}

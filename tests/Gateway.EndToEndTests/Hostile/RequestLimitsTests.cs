using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// Request size limits (Kestrel:Limits and Gateway:RequestLimits in the proxy's appsettings.json):
/// oversize bodies get 413 problem details, oversize headers 431 and over-long request lines 414
/// (Kestrel's own bare responses), and none of them reaches a backend or the auth service.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class RequestLimitsTests(GatewayAppFixture fixture) : HostileTestBase(fixture)
{
    private const int AccountsMaxBodyBytes = 16 * 1024;
    private const int ProxiedMaxBodyBytes = 10 * 1024 * 1024;

    [Fact]
    public async Task AccountsEndpoint_BodyOverLimit_413ProblemAndNotRegistered()
    {
        var userName = AuthClients.NewUserName();
        var password = NewSecret("pw");
        // Valid JSON, valid fields, one large ignored property: only the size is wrong.
        var oversize = JsonSerializer.SerializeToUtf8Bytes(new { userName, password, padding = new string('p', AccountsMaxBodyBytes) });
        var request = RawHttp.Request("POST", "/auth/register", [("Content-Type", "application/json")], oversize);

        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(70, 1), request);

        Assert.NotNull(response);
        AssertProblem(response, 413);
        AssertNotEchoed(response, [password]);

        // The auth service never saw it: the same user name registers now.
        using var client = SourceAddressClient.Create(Logs.ProxyReplicas[0].Address, SourceAddress(70, 2));
        using var registered = await client.PostAsJsonAsync("/auth/register", new { userName, password });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
    }

    [Fact]
    public async Task AccountsEndpoint_ChunkedBodyOverLimit_413Problem()
    {
        var password = NewSecret("pw");
        var json = JsonSerializer.SerializeToUtf8Bytes(new { userName = AuthClients.NewUserName(), password, padding = new string('p', 2 * AccountsMaxBodyBytes) });
        // No Content-Length: the limit can only apply while the body is read.
        var head = RawHttp.Request("POST", "/auth/login", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]);
        byte[] request = [.. head, .. Encoding.ASCII.GetBytes($"{json.Length:X}\r\n"), .. json, .. "\r\n0\r\n\r\n"u8.ToArray()];

        var response = await RawHttp.SendAsync(ProxyPort(1), SourceAddress(70, 3), request);

        Assert.NotNull(response);
        AssertProblem(response, 413);
        AssertNotEchoed(response, [password]);
    }

    [Fact]
    public async Task ProxiedRoute_DeclaredBodyOverLimit_413Problem_NothingForwarded_SmallBodyIs()
    {
        await using var sink = new SinkListener(Fixture.SinkPort);

        // Control: a small body is forwarded to the sink, so the sink would see an oversize one too.
        var small = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(70, 4), RawHttp.Request("POST", "/sink/upload", [], new byte[1024]));
        Assert.Equal(200, small?.Status);
        Assert.Equal(1, sink.Requests);

        // Only the head and the first bytes are sent: the answer must not wait for the rest.
        var head = RawHttp.Request("POST", "/sink/upload", [("Content-Length", (ProxiedMaxBodyBytes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(70, 5), [.. head, .. new byte[4096]]);

        Assert.NotNull(response);
        AssertProblem(response, 413);
        Assert.Equal(1, sink.Requests);
    }

    [Fact]
    public async Task ProxiedRoute_DeclaredBodyOverLimit_WithUnknownTokens_413BeforeAnyCredentialLookup()
    {
        // The body limit runs before authentication: an oversize request costs no auth-service
        // call, even with a well-formed credential nobody has seen (a cache miss otherwise).
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        using var replica = new HttpClient { BaseAddress = Logs.ProxyReplicas[0].Address, Timeout = ProxyReplicas.RequestTimeout };
        var callsBefore = await ProxyReplicas.ValidateCallsAsync(replica, adminToken);

        for (var i = 0; i < 3; i++)
        {
            var token = "gw_at_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var head = RawHttp.Request("POST", "/sink/upload", [
                ("Authorization", "Bearer " + token),
                ("Content-Length", (ProxiedMaxBodyBytes + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(70, 20 + i), [.. head, .. new byte[1024]]);
            Assert.NotNull(response);
            AssertProblem(response, 413);
        }

        Assert.Equal(callsBefore, await ProxyReplicas.ValidateCallsAsync(replica, adminToken));
    }

    [Fact]
    public async Task ProxiedRoute_ChunkedBodyOverLimit_413Problem_BackendNeverGetsTheWholeBody()
    {
        await using var sink = new SinkListener(Fixture.SinkPort);
        var head = RawHttp.Request("POST", "/sink/upload", [("Transfer-Encoding", "chunked")]);
        var chunk = new byte[1024 * 1024];
        var body = new List<byte>();
        for (var i = 0; i < (ProxiedMaxBodyBytes / chunk.Length) + 1; i++)
        {
            body.AddRange(Encoding.ASCII.GetBytes($"{chunk.Length:X}\r\n"));
            body.AddRange(chunk);
            body.AddRange("\r\n"u8.ToArray());
        }

        body.AddRange("0\r\n\r\n"u8.ToArray());

        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(70, 8), [.. head, .. body]);

        Assert.NotNull(response);
        AssertProblem(response, 413);
        Assert.True(sink.CompleteBodies == 0, "the sink received a complete oversize body");
    }

    public static TheoryData<string, int> OversizeHeads() => new()
    {
        // Kestrel:Limits:MaxRequestHeadersTotalSize = 32 KiB.
        { "headers over 32 KiB in total", 431 },
        // Kestrel:Limits:MaxRequestHeaderCount = 100.
        { "over 100 headers", 431 },
        // Kestrel:Limits:MaxRequestLineSize = 8 KiB.
        { "request line over 8 KiB", 414 },
    };

    [Theory]
    [MemberData(nameof(OversizeHeads))]
    public async Task OversizeHead_RejectedByKestrel_NothingForwarded(string shape, int expected)
    {
        await using var sink = new SinkListener(Fixture.SinkPort);
        var secret = NewSecret("gw_at_");
        (string, string)[] headers = shape switch
        {
            "headers over 32 KiB in total" => [.. Enumerable.Range(0, 9).Select(i => ($"X-Big-{i}", new string('b', 4000))), ("Authorization", "Bearer " + secret)],
            "over 100 headers" => [.. Enumerable.Range(0, 101).Select(i => ($"X-Many-{i}", "m")), ("Authorization", "Bearer " + secret)],
            _ => [("Authorization", "Bearer " + secret)],
        };
        var target = shape == "request line over 8 KiB" ? "/sink/" + new string('l', 8 * 1024) : "/sink/head";

        var response = await RawHttp.SendAsync(ProxyPort(1), SourceAddress(70, 6), RawHttp.Request("GET", target, headers));

        Assert.Equal(expected, response?.Status);
        AssertNotEchoed(response!, [secret]);
        Assert.Equal(0, sink.Requests);

        // Just under the limits the same route forwards (the sink is reachable).
        var fine = await RawHttp.SendAsync(ProxyPort(1), SourceAddress(70, 7), RawHttp.Request("GET", "/sink/head", [("X-Big", new string('b', 4000))]));
        Assert.Equal(200, fine?.Status);
        Assert.Equal(1, sink.Requests);
    }

    private static void AssertProblem(RawResponse response, int status)
    {
        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/problem+json", response.Header("Content-Type"), StringComparison.Ordinal);
        var problem = JsonSerializer.Deserialize<JsonElement>(response.Body);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
    }
}

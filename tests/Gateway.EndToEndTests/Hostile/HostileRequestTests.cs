using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using CsCheck;
using Gateway.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// Generated hostile requests through the proxy: odd paths, methods and headers off a raw socket,
/// spoofed identity and proxy-chain headers, token spraying. Iteration counts are small and fixed
/// so the whole class costs seconds, not minutes.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class HostileRequestTests(GatewayAppFixture fixture, ITestOutputHelper output) : HostileTestBase(fixture)
{
    /// <summary>The per-address budget of a rejected credential: <c>per-user</c> AnonymousLimit and <c>failed-credentials</c> Limit (appsettings.json).</summary>
    private const int AnonymousLimitPerAddress = 60;

    public sealed record HostileRequest(string Method, string Target, (string Name, string Value)[] Headers, byte[]? Body)
    {
        public override string ToString() =>
            $"{Method} {Truncate(Target)} [{string.Join(" | ", Headers.Select(h => $"{h.Name}: {Truncate(h.Value)}"))}] body={Body?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}";

        private static string Truncate(string value) => value.Length > 120 ? value[..120] + $"…({value.Length})" : value;
    }

    /// <summary>What would switch the sample API into failure mode if a path ever reached its un-routed PUT /chaos.</summary>
    private static readonly byte[] ChaosBody = "{\"healthy\":false}"u8.ToArray();

    private static readonly Gen<(string, string)> ContentType = Gen.OneOf<string>(
            "application/json", "text/plain", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", ";;;", "")
        .Select(value => ("Content-Type", value));

    /// <summary>Printable Latin-1 and control characters except CR and LF (which would end the header).</summary>
    private static readonly Gen<(string, string)> OddHeader = HostileGen.Text(Gen.Char['\0', 'ÿ'].Where(c => c is not '\r' and not '\n'), 0, 24)
        .Select(value => ("X-Odd", value));

    private static readonly Gen<HostileRequest> Requests =
        Gen.Select(
            HostileGen.Method,
            HostileGen.Target,
            HostileGen.Authorization.Select(v => ("Authorization", v)).Array[0, 2],
            HostileGen.Credential.Select(v => ("X-Api-Key", v)).Array[0, 1],
            HostileGen.SpoofHeaders,
            Gen.Frequency<(string, string)>((3, ContentType), (1, OddHeader)).Array[0, 2],
            Gen.Frequency<byte[]?>((3, Gen.Const((byte[]?)null)), (1, Gen.Byte.Array[0, 512].Select(b => (byte[]?)b)), (1, Gen.Const((byte[]?)ChaosBody))))
        .Select((method, target, authorization, apiKey, spoofed, extra, body) =>
            new HostileRequest(method, target, [.. authorization, .. apiKey, .. spoofed, .. extra], body));

    [Fact]
    public async Task GeneratedRequests_NeverServerErrorFromTheProxy_ServicesKeepRunning_NothingLeaks()
    {
        var secrets = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var sent = 0;

        await Requests.SampleAsync(
            async request =>
            {
                var index = Interlocked.Increment(ref sent);
                var credentials = request.Headers
                    .Where(h => h.Name is "Authorization" or "X-Api-Key")
                    .Select(h => h.Value.Trim().Split(' ').Last())
                    .Where(IsDistinctive)
                    .ToList();
                credentials.ForEach(secrets.Add);

                var bytes = RawHttp.Request(request.Method, request.Target, request.Headers, request.Body);
                var response = await RawHttp.SendAsync(ProxyPort(index % 2), SourceAddress(60, index), bytes);

                Assert.True(response is not null, "the proxy closed the connection without any response");
                statuses.AddOrUpdate(response.Status, 1, (_, n) => n + 1);
                Assert.True(response.Status < 500, $"{response.Status} from the proxy: {response.BodyText}");
                AssertNotEchoed(response, credentials);
            },
            iter: 250,
            threads: 2,
            print: request => request.ToString());

        output.WriteLine($"statuses: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        // The property saw more than one kind of answer (it exercised routing, auth and rejection).
        Assert.True(statuses.Count >= 3, $"statuses seen: {string.Join(", ", statuses.Keys)}");

        // Nothing crashed or flipped: the backend still answers through the proxy (no path reached its
        // un-routed PUT /chaos), and every service is still healthy.
        foreach (var replica in Replicas.Clients)
        {
            using var hello = await replica.GetAsync("/public/hello");
            Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        }

        await AssertServicesHealthyAsync();
        await AssertNoSecretLoggedAsync(secrets.Distinct().ToList());
    }

    [Fact]
    public async Task SpoofedIdentityAndProxyChainHeaders_BackendSeesOnlyWhatTheGatewayDerived()
    {
        var (userName, _, login) = await AuthClients.NewLoggedInUserAsync();
        var key = await AuthClients.Auth.CreateApiKeyAsync(
            new Gateway.Auth.V1.CreateApiKeyRequest { AccessToken = login.AccessToken, Name = "spoof" }, deadline: AuthClients.Deadline());
        var addresses = Logs.ProxyReplicas.Select(r => r.Address).ToList();
        var clients = addresses.Select((address, i) => SourceAddressClient.Create(address, SourceAddress(61, i))).ToList();

        try
        {
            var gen = Gen.Select(HostileGen.SpoofHeaders, Gen.Int[0, 2], Gen.Int[0, 1]);
            await gen.SampleAsync(
                async (headers, caller, replica) =>
                {
                    // caller: 0 anonymous (/public/echo), 1 bearer token, 2 API key (/api/echo).
                    var request = new HttpRequestMessage(HttpMethod.Get, caller == 0 ? "/public/echo" : "/api/echo");
                    foreach (var (name, value) in headers)
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }

                    if (caller == 1)
                    {
                        request.Headers.Authorization = new("Bearer", login.AccessToken);
                    }
                    else if (caller == 2)
                    {
                        request.Headers.Add("X-Api-Key", key.ApiKey);
                    }

                    using var response = await clients[replica].SendAsync(request);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.DoesNotContain(login.AccessToken, body, StringComparison.Ordinal);
                    Assert.DoesNotContain(key.ApiKey, body, StringComparison.Ordinal);

                    var received = JsonSerializer.Deserialize<JsonElement>(body).GetProperty("headers").EnumerateObject()
                        .ToDictionary(p => p.Name.ToLowerInvariant().Replace('_', '-'), p => p.Value.GetString());

                    var identity = received.Where(h => h.Key.StartsWith("x-user-", StringComparison.Ordinal) || h.Key.StartsWith("x-gateway-", StringComparison.Ordinal))
                        .ToDictionary();
                    if (caller == 0)
                    {
                        Assert.Empty(identity);
                    }
                    else
                    {
                        Assert.Equal(
                            new Dictionary<string, string?> { ["x-user-id"] = login.UserId, ["x-user-name"] = userName, ["x-user-plan"] = "free", ["x-user-roles"] = "user" },
                            identity);
                    }

                    var chain = received.Where(h => h.Key.StartsWith("x-forwarded-", StringComparison.Ordinal) || h.Key is "forwarded" || h.Key.StartsWith("x-real-ip", StringComparison.Ordinal))
                        .ToDictionary();
                    Assert.Equal(
                        new Dictionary<string, string?>
                        {
                            ["x-forwarded-for"] = SourceAddress(61, replica).ToString(),
                            ["x-forwarded-proto"] = "http",
                            ["x-forwarded-host"] = addresses[replica].Authority,
                        },
                        chain);
                    Assert.False(received.ContainsKey("authorization"));
                    Assert.False(received.ContainsKey("x-api-key"));
                },
                iter: 60,
                threads: 2);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        await AssertNoSecretLoggedAsync([login.AccessToken, key.ApiKey]);
    }

    /// <summary>Regression: a header value with UTF-8 bytes (which Kestrel accepts) used to fail the forwarding call: 502.</summary>
    [Fact]
    public async Task NonAsciiHeaderValue_ForwardedByteForByte_Not502()
    {
        var request = RawHttp.Request("GET", "/public/echo", [("X-Note", "caf\u00c3\u00a9 \u00e2\u0082\u00ac")]); // UTF-8 of "café €", one Latin-1 char per byte

        var response = await RawHttp.SendAsync(ProxyPort(0), SourceAddress(63, 2), request);

        Assert.Equal(200, response?.Status);
        var headers = JsonSerializer.Deserialize<JsonElement>(response!.Body).GetProperty("headers");
        Assert.Equal("café €", headers.GetProperty("X-Note").GetString());
    }

    /// <summary>Regression: underscore spellings and client-sent proxy-chain headers used to reach the backend.</summary>
    [Fact]
    public async Task UnderscoreIdentityAndClientProxyChainHeaders_ReplacedOrDropped()
    {
        var address = Logs.ProxyReplicas[0].Address;
        using var client = SourceAddressClient.Create(address, SourceAddress(63, 1));
        var request = new HttpRequestMessage(HttpMethod.Get, "/public/echo");
        foreach (var (name, value) in new[]
        {
            ("X_User_Id", "00000000-0000-0000-0000-000000000000"), ("x_user_roles", "admin"), ("X_Gateway_Verified", "true"),
            ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Prefix", "/admin"),
            ("X_Forwarded_For", "6.6.6.6"), ("X-Real-IP", "6.6.6.6"), ("Forwarded", "for=6.6.6.6;proto=https"),
        })
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var headers = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("headers").EnumerateObject()
            .ToDictionary(p => p.Name.ToLowerInvariant(), p => p.Value.GetString());

        Assert.DoesNotContain(headers.Keys, name => name.Replace('_', '-').StartsWith("x-user-", StringComparison.Ordinal) || name.Replace('_', '-').StartsWith("x-gateway-", StringComparison.Ordinal));
        Assert.Equal("http", headers["x-forwarded-proto"]);
        Assert.Equal(address.Authority, headers["x-forwarded-host"]);
        Assert.Equal(SourceAddress(63, 1).ToString(), headers["x-forwarded-for"]);
        Assert.DoesNotContain(headers.Keys, name => name is "x-forwarded-prefix" or "x_forwarded_for" or "x-real-ip" or "forwarded");
    }

    /// <summary>
    /// <c>/api/hello</c> has a per-user route policy; <c>/gateway/diagnostics</c> has none and answers
    /// 401 for an invalid token but 403 for a valid non-admin one (a validity oracle), so only the
    /// failed-credential limit (<c>Gateway:RateLimiting:FailedCredentialPolicy</c>) throttles it.
    /// Regression: guesses against it were never throttled.
    /// </summary>
    [Theory]
    [InlineData("/api/hello", 1)]
    [InlineData("/gateway/diagnostics", 3)]
    public async Task SprayingRandomTokens_429AfterThePerAddressBudget_OtherAddressesUnaffected(string path, int sourceBlock)
    {
        var address = Logs.ProxyReplicas[0].Address;
        using var sprayer = SourceAddressClient.Create(address, SourceAddress(62, sourceBlock));
        var tokens = HostileGen.Credential.Array[AnonymousLimitPerAddress + 30].Single();

        var statuses = new List<HttpStatusCode>();
        foreach (var (token, i) in tokens.Select((t, i) => (t, i)))
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            // Claiming to be someone else buys nothing: the peer is not a trusted proxy.
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", $"10.{i % 256}.0.1");
            request.Headers.TryAddWithoutValidation("X-Real-IP", $"10.{i % 256}.0.2");
            using var response = await sprayer.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"got {(int)s}"));
        Assert.Equal(HttpStatusCode.Unauthorized, statuses[0]);
        var guesses = statuses.Count(s => s == HttpStatusCode.Unauthorized);
        Assert.InRange(guesses, 1, AnonymousLimitPerAddress);
        // Once refused, every further guess in the window is refused.
        Assert.All(statuses.SkipWhile(s => s != HttpStatusCode.TooManyRequests), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.True(statuses.Count(s => s == HttpStatusCode.TooManyRequests) >= 30);

        // Another client address still gets its own answer (401 for its bad token, not 429).
        using var other = SourceAddressClient.Create(address, SourceAddress(62, sourceBlock + 1));
        using var otherResponse = await other.SendAsync(ProxyReplicas.Get(path, tokens[0]));
        Assert.Equal(HttpStatusCode.Unauthorized, otherResponse.StatusCode);

        // A real user behind the sprayer's address whose token the replica holds is limited by their
        // own plan, not the spray. A credential it does not hold yet is not looked up for that
        // address until its budget recovers: 429 with Retry-After, and the auth service never asked.
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        using (var warm = await other.SendAsync(ProxyReplicas.Get("/api/hello", login.AccessToken)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using var legit = await sprayer.SendAsync(ProxyReplicas.Get("/api/hello", login.AccessToken));
        Assert.Equal(HttpStatusCode.OK, legit.StatusCode);

        var (_, _, uncached) = await AuthClients.NewLoggedInUserAsync();
        using var refused = await sprayer.SendAsync(ProxyReplicas.Get(path, uncached.AccessToken));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    private static bool IsDistinctive(string value) => value.Length >= 24 && value.Distinct().Count() >= 8;

    private async Task AssertServicesHealthyAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        foreach (var resource in GatewayAppFixture.ProjectResources)
        {
            await Fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token).WaitAsync(cts.Token);
        }

        using var sampleApi = Fixture.App.CreateHttpClient("sampleapi");
        using var health = await sampleApi.GetAsync("/health", cts.Token);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}

using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Npgsql;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.Dashboard;

/// <summary>
/// Dashboard sessions are server side (Redis, key prefix <c>dashboard:session:</c>): sign-out revokes
/// even a copied cookie, a demoted admin loses the page, the API and an open live stream within the
/// re-check bound, Redis holds no readable or forgeable principal, and the cookie is Secure exactly
/// when the request is HTTPS as the socket or a trusted proxy says.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed partial class DashboardSessionTests(GatewayAppFixture fixture) : IAsyncLifetime
{
    /// <summary>The fixture's <c>Dashboard:Security:RoleRecheckInterval</c>.</summary>
    public static readonly TimeSpan RoleRecheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The documented bound is one re-check interval plus one auth call; generous here, for a loaded
    /// 2-core runner. A broken re-check never ends the session at all (the absolute lifetime is 8 h).
    /// </summary>
    private static readonly TimeSpan DemotionBound = RoleRecheckInterval + TimeSpan.FromSeconds(20);

    private const string SessionPattern = "dashboard:session:*";

    private readonly AuthClients _auth = new(fixture.App);
    private IConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() =>
        _redis = await ConnectionMultiplexer.ConnectAsync((await fixture.App.GetConnectionStringAsync("redis"))!);

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _auth.Dispose();
    }

    [Fact]
    public async Task SignOut_CookieCopiedBefore_RefusedAfter_OpenStreamEnds_SessionKeyDeleted()
    {
        using var admin = DashboardSession.Anonymous(fixture.App);
        var (key, _) = await NewSessionAsync(() => admin.SignInAsAdminAsync(fixture.App));
        using var copy = CopyOf(admin);
        Assert.True(await SignedInAsync(copy), "the copied cookie works while the session lives");
        using var stream = await OpenStreamAsync(copy);

        await SignOutAsync(admin);

        Assert.False(await _redis.GetDatabase().KeyExistsAsync(key), "sign-out deletes the server-side session");
        using (var api = await copy.GetAsync("/api/snapshot"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        }

        using (var page = await copy.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/login", page.Headers.Location?.AbsolutePath);
        }

        await stream.Ended.WaitAsync(DemotionBound);
    }

    [Fact]
    public async Task SignIn_WithALiveSession_EndsItFirst_NeverReusesTheSessionId()
    {
        using var session = DashboardSession.Anonymous(fixture.App);
        var (first, _) = await NewSessionAsync(() => session.SignInWithOperatorKeyAsync(fixture.App));
        using var copy = CopyOf(session);

        // Signing in again over a live session (a planted cookie, say) does not put the new
        // sign-in under that session's id: the session ends and the form asks again.
        var again = await session.SignInWithOperatorKeyAsync(fixture.App);
        Assert.StartsWith("/login", again.OriginalString, StringComparison.Ordinal);
        Assert.False(await _redis.GetDatabase().KeyExistsAsync(first), "the live session was ended");
        Assert.False(await SignedInAsync(copy));

        var (second, _) = await NewSessionAsync(() => session.SignInWithOperatorKeyAsync(fixture.App));
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DemotedAdmin_LosesPageApiAndOpenStream_WithinTheReCheckBound(bool disable)
    {
        var (userName, password, login) = await _auth.NewLoggedInUserAsync();
        await SetAdminRoleAsync(login.UserId, admin: true);
        using var session = DashboardSession.Anonymous(fixture.App);
        var (key, signedIn) = await NewSessionAsync(() => session.SignInWithPasswordAsync(userName, Task.FromResult(password)));
        using var copy = CopyOf(session);
        Assert.True(await SignedInAsync(copy), "a new admin signs in");
        using var stream = await OpenStreamAsync(copy);

        // Still an admin across re-checks (requests go on): the session stays, storing each passed check.
        await Poll.UntilAsync(
            async ct => await SignedInAsync(copy, ct) && await _redis.GetDatabase().StringGetAsync(key) is { IsNull: false } value && value != signedIn ? "renewed" : null,
            DemotionBound, "a passed re-check stored in the session");
        Assert.True(await SignedInAsync(copy));
        Assert.False(stream.Ended.IsCompleted, "the stream runs while the admin is one");

        if (disable)
        {
            var adminToken = await _auth.AdminTokenAsync(fixture.App);
            await _auth.Admin.SetUserDisabledAsync(new SetUserDisabledRequest { AccessToken = adminToken, UserName = userName, Disabled = true }, deadline: AuthClients.Deadline());
        }
        else
        {
            await SetAdminRoleAsync(login.UserId, admin: false);
        }

        await Poll.UntilAsync(async ct => await SignedInAsync(copy, ct) ? null : "refused", DemotionBound, "the demoted admin's session refused");
        using (var page = await copy.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        }

        await stream.Ended.WaitAsync(DemotionBound);
        Assert.False(await _redis.GetDatabase().KeyExistsAsync(key), "the ended session is deleted");
    }

    [Fact]
    public async Task SessionInRedis_HoldsNoReadablePrincipal_TamperedIsRefused()
    {
        var (userName, password, login) = await _auth.NewLoggedInUserAsync();
        await SetAdminRoleAsync(login.UserId, admin: true);
        using var session = DashboardSession.Anonymous(fixture.App);
        var (key, _) = await NewSessionAsync(() => session.SignInWithPasswordAsync(userName, Task.FromResult(password)));

        var database = _redis.GetDatabase();
        var ttl = await database.KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(30)); // the idle timeout, not the 8 h lifetime
        byte[] value = (await database.StringGetAsync(key))!;
        foreach (var readable in new[] { userName, login.UserId, "admin", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "Cookies" })
        {
            Assert.False(Contains(value, Encoding.UTF8.GetBytes(readable)), $"the stored session shows '{readable}'");
            Assert.False(Contains(value, Encoding.Unicode.GetBytes(readable)), $"the stored session shows '{readable}' (UTF-16)");
        }

        using var copy = CopyOf(session);
        Assert.True(await SignedInAsync(copy));

        // A Redis writer changes the stored session: it no longer counts.
        value[value.Length / 2] ^= 0x01;
        await database.StringSetAsync(key, value, expiry: null, keepTtl: true);
        using var refused = await copy.GetAsync("/api/snapshot");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task RedisStopped_SignInRefused_SignedInViewerTreatedAsSignedOut_SignInWorksAgainAfter()
    {
        using var viewer = DashboardSession.Anonymous(fixture.App);
        Assert.Equal("/", (await viewer.SignInWithOperatorKeyAsync(fixture.App)).OriginalString);
        using var copy = CopyOf(viewer);
        Assert.True(await SignedInAsync(copy));

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await fixture.App.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand, cts.Token);
        await fixture.App.ResourceNotifications.WaitForResourceAsync("redis", e => e.Snapshot.State?.Text is "Finished" or "Exited", cts.Token);
        try
        {
            // Fail closed: a session that cannot be read is no session.
            await Poll.UntilAsync(async ct => await SignedInAsync(copy, ct) ? null : "refused", TimeSpan.FromSeconds(30), "the session refused while Redis is down");
            using (var page = await copy.GetAsync("/"))
            {
                Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
                Assert.Equal("/login", page.Headers.Location?.AbsolutePath);
            }

            using var newcomer = DashboardSession.Anonymous(fixture.App);
            var refused = await newcomer.SignInWithOperatorKeyAsync(fixture.App);
            Assert.Contains("error=SessionStoreUnavailable", refused.OriginalString, StringComparison.Ordinal);
            Assert.Null(newcomer.Cookies.GetCookies(newcomer.Address)["gateway-dashboard"]);
        }
        finally
        {
            await fixture.App.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand, cts.Token);
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("redis", cts.Token);
        }

        using var after = DashboardSession.Anonymous(fixture.App);
        await Poll.UntilAsync(
            async _ => (await after.SignInWithOperatorKeyAsync(fixture.App)).OriginalString == "/" ? "signed in" : null,
            TimeSpan.FromSeconds(60), "a sign-in once Redis is back");
        using var afterClient = CopyOf(after);
        Assert.True(await SignedInAsync(afterClient));
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task ForwardedProtoHttps_SecureCookieAndHsts_OnlyFromTheTrustedProxy(bool fromTrustedProxy, bool expectSecure)
    {
        var dashboard = await ResourceReplicas.WaitForAllHealthyAsync(fixture.App, "dashboard", expected: 1, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var source = fromTrustedProxy ? GatewayAppFixture.TrustedProxyAddress : IPAddress.Parse("127.0.91.1");
        var handler = SourceAddressClient.CreateHandler(source);
        handler.CookieContainer = new CookieContainer();
        handler.AllowAutoRedirect = false;
        using var client = new HttpClient(handler) { BaseAddress = ResourceReplicas.HttpAddress(dashboard[0]), Timeout = TimeSpan.FromSeconds(30) };

        using var loginPage = await client.GetAsync("/login");
        var token = AntiforgeryToken().Match(await loginPage.Content.ReadAsStringAsync()).Groups["token"].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent([
                new("__RequestVerificationToken", token),
                new("ReturnUrl", "/"),
                new("OperatorKey", await DashboardSession.OperatorKeyAsync(fixture.App))]),
        };
        // What a TLS terminator in front sends; HSTS is never sent for "localhost".
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Host = "dashboard.example";
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gateway-dashboard=", StringComparison.Ordinal));
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Equal(expectSecure, attributes.Contains("secure"));
        Assert.Equal(expectSecure, response.Headers.Contains("Strict-Transport-Security"));
        if (expectSecure)
        {
            Assert.Contains("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>Signs in and returns the Redis key of the session that appeared, and what it held then.</summary>
    private async Task<(RedisKey Key, RedisValue Value)> NewSessionAsync(Func<Task<Uri>> signIn)
    {
        var before = await SessionKeysAsync();
        Assert.Equal("/", (await signIn()).OriginalString);
        var added = (await SessionKeysAsync()).Except(before).ToList();
        var key = Assert.Single(added);
        Assert.Matches("^dashboard:session:[A-Za-z0-9_-]{43}$", key.ToString());
        return (key, await _redis.GetDatabase().StringGetAsync(key));
    }

    private async Task<HashSet<RedisKey>> SessionKeysAsync()
    {
        var keys = new HashSet<RedisKey>();
        foreach (var endpoint in _redis.GetEndPoints())
        {
            await foreach (var key in _redis.GetServer(endpoint).KeysAsync(pattern: SessionPattern))
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>A client that sends the session's cookie as it is now, and never updates it: a stolen copy.</summary>
    private static HttpClient CopyOf(DashboardSession session)
    {
        var cookies = SessionCookie(session);
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = session.Address,
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Add("Cookie", cookies);
        return client;
    }

    private static string SessionCookie(DashboardSession session)
    {
        var cookie = session.Cookies.GetCookies(session.Address)["gateway-dashboard"] ?? throw new InvalidOperationException("not signed in");
        return $"{cookie.Name}={cookie.Value}";
    }

    private static async Task<bool> SignedInAsync(HttpClient client, CancellationToken cancellationToken = default)
    {
        using var response = await client.GetAsync("/api/snapshot", cancellationToken);
        // 503: signed in, before the first frame.
        return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable;
    }

    private static async Task SignOutAsync(DashboardSession session)
    {
        using var page = await session.Client.GetAsync("/");
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync()).Groups["token"].Value;
        using var logout = await session.Client.PostAsync("/account/logout", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
    }

    private async Task SetAdminRoleAsync(string userId, bool admin)
    {
        await using var connection = await AppResources.OpenAuthDatabaseAsync(fixture.App);
        await using var command = new NpgsqlCommand(
            admin
                ? "UPDATE users SET roles = array_append(array_remove(roles, 'admin'), 'admin') WHERE id = @id"
                : "UPDATE users SET roles = array_remove(roles, 'admin') WHERE id = @id",
            connection);
        command.Parameters.AddWithValue("id", Guid.Parse(userId));
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>An open live stream, read to its end in the background.</summary>
    private static async Task<OpenStream> OpenStreamAsync(HttpClient client)
    {
        var response = await client.GetAsync("/api/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new OpenStream(response);
    }

    private sealed class OpenStream : IDisposable
    {
        private readonly HttpResponseMessage _response;

        public OpenStream(HttpResponseMessage response)
        {
            _response = response;
            Ended = DrainAsync();
        }

        /// <summary>Completes when the server ends the stream.</summary>
        public Task Ended { get; }

        public void Dispose() => _response.Dispose();

        private async Task DrainAsync()
        {
            await using var body = await _response.Content.ReadAsStreamAsync();
            var buffer = new byte[4096];
            while (await body.ReadAsync(buffer) > 0)
            {
            }
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

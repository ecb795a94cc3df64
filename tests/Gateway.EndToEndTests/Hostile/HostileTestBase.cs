using System.Net;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// Hostile-input tests against the shared app: proxy clients, auth clients, and the resources' log
/// lines collected while the test runs, to prove no secret it sent was ever logged.
/// </summary>
public abstract class HostileTestBase(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    protected static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(20);

    protected ResourceLogWatch Logs { get; private set; } = null!;

    /// <summary>The proxy's port on replica <paramref name="index"/> (raw sockets connect to it).</summary>
    protected int ProxyPort(int index) => Logs.ProxyReplicas[index].Address.Port;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Logs = await ResourceLogWatch.StartAsync(Fixture.App);
    }

    public override async Task DisposeAsync()
    {
        await Logs.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>
    /// Makes every resource log a marker after the test's requests (a login through the auth service,
    /// one authenticated request per proxy replica), waits for the markers, then asserts that no line
    /// logged so far contains any of <paramref name="secrets"/>.
    /// </summary>
    protected async Task AssertNoSecretLoggedAsync(IReadOnlyCollection<string> secrets)
    {
        Assert.NotEmpty(secrets);
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        foreach (var (id, address) in Logs.ProxyReplicas)
        {
            using var client = new HttpClient { BaseAddress = address, Timeout = ProxyReplicas.RequestTimeout };
            using var response = await client.SendAsync(ProxyReplicas.Get("/api/hello", login.AccessToken));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            // The request log line (Development) names the user: everything before it has been seen.
            await Logs.WaitForLineAsync(id, $"user={login.UserId}", LogTimeout);
        }

        await Logs.WaitForLineAsync(Logs.AuthId, $"User {login.UserId} logged in", LogTimeout);

        var leaks = Logs.LinesContainingAny(secrets);
        Assert.True(leaks.Count == 0, $"{leaks.Count} log line(s) contain a secret the test sent, e.g.:\n{string.Join('\n', leaks.Take(3))}");
    }

    /// <summary>Asserts that no response header or body contains any of <paramref name="secrets"/>.</summary>
    protected static void AssertNotEchoed(RawResponse response, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.False(response.Head.Contains(secret, StringComparison.Ordinal), $"a response header echoed a secret: {response.Head}");
            Assert.False(response.BodyText.Contains(secret, StringComparison.Ordinal), $"a response body echoed a secret ({response.Status})");
        }
    }

    /// <summary>A distinctive random secret: long enough that finding it anywhere is never a coincidence.</summary>
    protected static string NewSecret(string prefix = "s3cr3t") => $"{prefix}{Guid.NewGuid():N}";

    /// <summary>Loopback source addresses 127.0.&lt;block&gt;.1-250, so per-address limits do not starve a property.</summary>
    protected static IPAddress SourceAddress(int block, int index) => new([127, 0, (byte)block, (byte)(1 + (index % 250))]);
}

using System.Globalization;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Aspire.Hosting.ApplicationModel;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium against the running AppHost: sign in, watch traffic
/// through the proxy (including 401s and 429s) show up in the numbers and charts, and see a
/// stopped proxy replica marked gone.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class DashboardBrowserTests(GatewayAppFixture fixture, ITestOutputHelper output) : ProxyTestBase(fixture)
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan UpdateTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SignIn_TrafficShowsUp_StoppedReplicaMarkedGone_ReconnectsAfterDashboardRestart()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: scripts/prerequisites.sh test installs the Debian package chromium.");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1300 } });
        page.SetDefaultTimeout(30_000);
        var dashboard = Fixture.App.GetEndpoint("dashboard", "http");

        // Signed out, the dashboard sends the browser to its login page.
        await page.GotoAsync(new Uri(dashboard, "/").ToString());
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        await page.FillAsync("#password-form input[name=UserName]", "admin");
        await page.FillAsync("#password-form input[name=Password]", await AuthClients.DemoPasswordAsync(Fixture.App));
        await page.ClickAsync("#password-form button[type=submit]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");

        var replicaIds = (await ResourceReplicas.WaitForAllHealthyAsync(Fixture.App, "proxy", 2, CancellationToken.None)).Select(r => r.ResourceId).ToList();
        foreach (var id in replicaIds)
        {
            await Assertions.Expect(page.Locator($"tr[data-replica='{id}']")).ToHaveAttributeAsync("data-state", "live");
        }

        var before = await ReadTotalsAsync(page);

        // Traffic through both replicas: 30 answered, 10 without a credential (401), and 20 from
        // one client address on a route limited to 5 per minute per address (15 × 429).
        const int Ok = 30, Unauthorized = 10, Limited = 20, LimitPerAddress = 5;
        for (var i = 0; i < Ok; i++)
        {
            using var response = await Replicas.Clients[i % 2].GetAsync("/public/hello");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        for (var i = 0; i < Unauthorized; i++)
        {
            using var response = await Replicas.Clients[i % 2].GetAsync("/api/hello");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var clients = Replicas.Clients.Select(c => SourceAddressClient.Create(c.BaseAddress!, IPAddress.Parse("127.0.0.61"))).ToList();
        var tooMany = 0;
        for (var i = 0; i < Limited; i++)
        {
            using var response = await clients[i % 2].GetAsync("/rl/ip/hello");
            tooMany += response.StatusCode == HttpStatusCode.TooManyRequests ? 1 : 0;
        }

        clients.ForEach(c => c.Dispose());
        Assert.Equal(Limited - LimitPerAddress, tooMany);

        var after = await Poll.UntilAsync(async _ =>
        {
            var totals = await ReadTotalsAsync(page);
            return totals.Requests - before.Requests >= Ok + Unauthorized + Limited
                && totals.Unauthorized - before.Unauthorized >= Unauthorized
                && totals.TooMany - before.TooMany >= tooMany ? totals : null;
        }, UpdateTimeout, "the dashboard to count the traffic");

        // Health checks also pass through the proxies while this runs: a little slack on the total.
        Assert.InRange(after.Requests - before.Requests, Ok + Unauthorized + Limited, Ok + Unauthorized + Limited + 40);
        Assert.Equal(Unauthorized, after.Unauthorized - before.Unauthorized);
        Assert.Equal(tooMany, after.TooMany - before.TooMany);
        await Assertions.Expect(page.Locator("tr[data-route='rl-ip']")).ToBeVisibleAsync();

        // A random-token spray from one address, past its failed-credential budget: the lookups
        // refused without asking the auth service show on their card.
        var refusedBefore = await NumberAsync(page, "#lookups-refused");
        using (var sprayer = SourceAddressClient.Create(Replicas.Clients[0].BaseAddress!, IPAddress.Parse("127.0.0.62")))
        {
            for (var i = 0; i < GatewayAppFixture.FailedCredentialBudget + 20; i++)
            {
                using var response = await sprayer.SendAsync(ProxyReplicas.Get("/api/hello", "gw_at_" + Guid.NewGuid().ToString("N") + "0123456789a"));
                Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"got {(int)response.StatusCode}");
            }
        }

        await Poll.UntilAsync(
            async _ => await NumberAsync(page, "#lookups-refused") - refusedBefore >= 20 ? "refused lookups counted" : null,
            UpdateTimeout, "the dashboard to count the refused lookups");

        // The charts drew it: the 429 series has a non-zero point.
        var peak429 = await page.EvaluateAsync<double>(
            "() => Math.max(0, ...window.gatewayDashboard.charts.traffic.data.datasets.find(d => d.label === '429').data.map(v => v ?? 0))");
        Assert.True(peak429 > 0, "the traffic chart shows the 429s");

        // One replica stops: the dashboard marks it gone, the other stays live.
        var stopped = replicaIds[0];
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await Fixture.App.ResourceCommands.ExecuteCommandAsync(stopped, KnownResourceCommands.StopCommand, cts.Token);
        try
        {
            await Assertions.Expect(page.Locator($"tr[data-replica='{stopped}']")).ToHaveAttributeAsync("data-state", "gone");
            await Assertions.Expect(page.Locator($"tr[data-replica='{replicaIds[1]}']")).ToHaveAttributeAsync("data-state", "live");
            await Assertions.Expect(page.Locator("tr[data-service='proxy']")).ToHaveAttributeAsync("data-state", "degraded");

            var screenshot = Path.Combine(TestPaths.RepositoryRoot(), "TestResults", "dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            output.WriteLine($"Screenshot: {screenshot}");
        }
        finally
        {
            await Fixture.App.ResourceCommands.ExecuteCommandAsync(stopped, KnownResourceCommands.StartCommand, cts.Token);
            await ResourceReplicas.WaitForAllHealthyAsync(Fixture.App, "proxy", 2, cts.Token);
        }

        // The dashboard itself goes away: the page says so, and reconnects by itself when it is back.
        await Fixture.App.ResourceCommands.ExecuteCommandAsync("dashboard", KnownResourceCommands.StopCommand, cts.Token);
        try
        {
            await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", new System.Text.RegularExpressions.Regex("^(reconnecting|disconnected)$"));
        }
        finally
        {
            await Fixture.App.ResourceCommands.ExecuteCommandAsync("dashboard", KnownResourceCommands.StartCommand, cts.Token);
            await Fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("dashboard", cts.Token);
        }

        var framesBefore = await page.EvaluateAsync<int>("() => window.gatewayDashboard.frames");
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 60_000 });
        await Poll.UntilAsync(
            async _ => await page.EvaluateAsync<int>("() => window.gatewayDashboard.frames") > framesBefore ? "more frames" : null,
            UpdateTimeout, "frames after the dashboard came back");
    }

    private static async Task<Totals> ReadTotalsAsync(IPage page) => new(
        await NumberAsync(page, "#total-requests"), await NumberAsync(page, "#total-401"), await NumberAsync(page, "#total-429"));

    private static async Task<long> NumberAsync(IPage page, string selector)
    {
        var text = (await page.Locator(selector).TextContentAsync())?.Trim();
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }

    private sealed record Totals(long Requests, long Unauthorized, long TooMany);
}

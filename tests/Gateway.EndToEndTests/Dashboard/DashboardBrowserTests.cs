using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium against the running AppHost: sign in, watch traffic
/// through the proxy (including 401s and 429s) show up in the numbers and charts, see a stopped
/// proxy replica marked gone, the configuration each replica serves and the configuration panel;
/// and, with traffic flowing, check at two window sizes what a viewer
/// sees: numbers that fit, agree with each other and are coloured by what they say, route names
/// only, and a latency line without breaks.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed partial class DashboardBrowserTests(GatewayAppFixture fixture, ITestOutputHelper output) : ProxyTestBase(fixture)
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan UpdateTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Health probes reach the proxies every ~30 s: a 10-s latency window empties well within this.</summary>
    private static readonly TimeSpan QuietSpellTimeout = TimeSpan.FromSeconds(90);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task SignIn_TrafficShowsUp_StoppedReplicaMarkedGone_ReconnectsAfterDashboardRestart()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await SignedInPageAsync(browser, new ViewportSize { Width = 1440, Height = 1000 });

        var replicaIds = (await ResourceReplicas.WaitForAllHealthyAsync(Fixture.App, "proxy", 2, CancellationToken.None)).Select(r => r.ResourceId).ToList();
        foreach (var id in replicaIds)
        {
            await Assertions.Expect(page.Locator($"tr[data-replica='{id}']")).ToHaveAttributeAsync("data-state", "live");
        }

        // The runtime configuration each replica serves: "file" until a stored version reaches it,
        // then "v<N>"; and the gateway-wide panel, whatever the auth service's history answers.
        await Assertions.Expect(page.Locator("table.replicas thead th").Nth(2)).ToHaveTextAsync("Config");
        foreach (var id in replicaIds)
        {
            await Assertions.Expect(page.Locator($"tr[data-replica='{id}'] td.config .config-version")).ToHaveTextAsync(ConfigVersionText());
        }

        var panel = page.Locator("#config-panel");
        await Assertions.Expect(panel).ToBeVisibleAsync();
        await Assertions.Expect(panel.Locator("h2")).ToHaveTextAsync("Configuration");
        await Assertions.Expect(page.Locator("#config-active")).ToHaveTextAsync(ConfigVersionText());
        await Assertions.Expect(page.Locator("#config-converged")).ToHaveTextAsync(new Regex("^(yes|no)$"));
        // Read (or tried) within seconds of the dashboard starting: never left at "not read yet".
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-history", new Regex("^(fresh|stale|unavailable)$"));
        await Assertions.Expect(page.Locator("#config-history tr").First).Not.ToHaveClassAsync("placeholder");

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

            await ScreenshotAsync(page, "replica-gone");
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

    [Fact]
    public async Task TrafficFlowing_At1440And1024_NumbersFitAndAgree_ZeroErrorsNeutral_OnlyRouteNames_LatencyLineUnbroken()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await SignedInPageAsync(browser, new ViewportSize { Width = 1440, Height = 1000 });

        // One request, then a quiet spell (no request through the proxies for a whole latency
        // window): the latency chart gets seconds without a measurement between two measured ones
        // once traffic flows again.
        using (var one = await Replicas.Clients[0].GetAsync("/public/hello"))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        }

        await Poll.UntilAsync(async _ => await NewestLatencyAsync(page) is { } ms ? (object)ms : null, UpdateTimeout, "the request's latency on the chart");
        await Poll.UntilAsync(
            async _ => await NewestLatencyAsync(page) is null ? "quiet" : null, QuietSpellTimeout, "a second without requests in the latency window");

        // A login through the proxy (one of the gateway's own endpoints), then steady traffic:
        // anonymous, and authenticated (auth cache lookups) on a route without a rate limit.
        using var login = await Replicas.Clients[0].PostAsJsonAsync(
            "/auth/login", new { userName = "admin", password = await AuthClients.DemoPasswordAsync(Fixture.App) });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        using var traffic = new CancellationTokenSource();
        var flowing = SendTrafficAsync(token, traffic.Token);
        try
        {
            var cards = await Poll.UntilAsync(
                async _ =>
                {
                    var read = await ReadCardsAsync(page);
                    return read.P50 is not null && read.P95 is not null && read.P99 is not null && read.Hits > 0 ? read : null;
                },
                UpdateTimeout, "latency and auth cache hits on the cards");

            // Defect: the hit ratio said "–" beside non-zero hits and misses (it came from a window
            // that had emptied). It is the ratio of the counts printed beside it.
            var lookups = cards.Hits + cards.NegativeHits + cards.Misses;
            Assert.True(lookups > 0);
            var ratio = PercentText().Match(cards.HitRatio);
            Assert.True(ratio.Success, $"hit ratio '{cards.HitRatio}' is a percentage when there were {lookups} lookups");
            var expected = 100.0 * cards.Hits / lookups;
            Assert.InRange(double.Parse(ratio.Groups["value"].Value, CultureInfo.InvariantCulture), expected - 0.051, expected + 0.051);

            // Defect: a zero 5xx rate was drawn red. Zero is the same colour as any other number.
            Assert.Equal(0, cards.ServerErrorsPerSecond);
            Assert.Equal("ok", cards.ServerErrorLevel);
            Assert.Equal(cards.RequestsColor, cards.ServerErrorsColor);

            // Defect: endpoint display names ("HTTP: POST /auth/login => LoginAsync", "Health checks")
            // listed as routes. Only YARP route ids and the gateway's few fixed names appear.
            var routes = await Poll.UntilAsync(
                async _ =>
                {
                    var names = await page.Locator("#routes tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.route)");
                    return names.Contains("(gateway) accounts") && names.Contains("nolimit") ? names : null;
                },
                UpdateTimeout, "the login and the traffic in the routes table");
            Assert.All(routes, name =>
            {
                Assert.DoesNotContain("=>", name, StringComparison.Ordinal);
                Assert.DoesNotContain("HTTP:", name, StringComparison.Ordinal);
                Assert.DoesNotContain("Health checks", name, StringComparison.Ordinal);
                Assert.Matches(RouteName(), name);
            });

            // Defect: the latency line broke wherever a second had no measurement. Every second
            // with traffic has one; the seconds of the quiet spell stay null (no invented latency)
            // and the line runs through them unbroken, dashed.
            await Poll.UntilAsync(async _ => await NewestLatencyAsync(page) is { } ms ? (object)ms : null, UpdateTimeout, "latency measured again after the quiet spell");
            var lines = JsonSerializer.Deserialize<LatencyLine[]>(await page.EvaluateAsync<string>(LatencyLinesScript), Json)!;
            Assert.Equal(["p50", "p95", "p99"], lines.Select(l => l.Label));
            foreach (var line in lines)
            {
                Assert.Empty(line.NullWhileTrafficFlowed);
                Assert.True(line.First >= 0 && line.Last > line.First, $"{line.Label} has measurements");
                Assert.NotEmpty(line.Gaps);
                var segments = line.Segments.OrderBy(s => s.Start).ToList();
                Assert.Equal(line.First, segments[0].Start);
                Assert.Equal(line.Last, segments[^1].End);
                for (var i = 1; i < segments.Count; i++)
                {
                    Assert.True(segments[i].Start == segments[i - 1].End, $"{line.Label}: the line breaks between points {segments[i - 1].End} and {segments[i].Start}");
                }

                Assert.All(line.Gaps, gap => Assert.Contains(segments, s => s.Dashed && s.Start < gap && gap < s.End));
            }

            // Defect: the latency card's numbers were cut off. At both sizes every number shows,
            // nothing overflows its card, and the page needs no horizontal scrolling.
            foreach (var size in new[] { new ViewportSize { Width = 1440, Height = 1000 }, new ViewportSize { Width = 1024, Height = 800 } })
            {
                await page.SetViewportSizeAsync(size.Width, size.Height);
                await page.EvaluateAsync("() => Object.values(window.gatewayDashboard.charts).forEach(c => c.resize())");
                await ScreenshotAsync(page, $"traffic-{size.Width}x{size.Height}");
                var layout = JsonSerializer.Deserialize<Layout>(await page.EvaluateAsync<string>(LayoutScript), Json)!;
                var where = $"at {size.Width}×{size.Height}";
                Assert.True(layout.Latency.ScrollWidth <= layout.Latency.ClientWidth, $"latency values overflow {where}: {layout.Latency}");
                Assert.All(layout.Values, v => Assert.True(v.Inside && MillisecondsText().IsMatch(v.Text), $"{v.Id} '{v.Text}' not fully shown {where}"));
                Assert.All(layout.Boxes, b => Assert.True(b.ScrollWidth <= b.ClientWidth, $"{b.Name} overflows {where}: {b.ScrollWidth} > {b.ClientWidth}"));
                Assert.All(layout.Boxes, b => Assert.True(b.Spill <= 1, $"{b.Name}'s content reaches {b.Spill} px into its padding {where}"));
                Assert.True(layout.PageScrollWidth <= layout.PageClientWidth, $"the page scrolls sideways {where}: {layout.PageScrollWidth} > {layout.PageClientWidth}");
            }

            // And above zero the 5xx number does turn: errors on a route whose cluster is unreachable.
            for (var i = 0; i < 10; i++)
            {
                using var broken = await Replicas.Clients[i % 2].GetAsync("/broken/hello");
                Assert.True((int)broken.StatusCode >= 500, $"got {(int)broken.StatusCode}");
            }

            var errors = await Poll.UntilAsync(
                async _ => await ReadCardsAsync(page) is { ServerErrorsPerSecond: > 0, ServerErrorLevel: not "ok" } read ? read : null,
                UpdateTimeout, "the 5xx card to show the errors");
            Assert.NotEqual(errors.RequestsColor, errors.ServerErrorsColor);
        }
        finally
        {
            await traffic.CancelAsync();
            await flowing.WaitAsync(UpdateTimeout);
        }
    }

    /// <summary>Paces anonymous and authenticated requests over both replicas until cancelled.</summary>
    private async Task SendTrafficAsync(string token, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var i = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var replica = Replicas.Clients[i++ % 2];
                using var anonymous = await replica.GetAsync("/public/hello", cancellationToken);
                using var authenticated = await replica.SendAsync(ProxyReplicas.Get("/nolimit/hello", token), cancellationToken);
                Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: scripts/prerequisites.sh test installs the Debian package chromium.");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update"],
        });
    }

    private async Task<IPage> SignedInPageAsync(IBrowser browser, ViewportSize size)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = size });
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
        return page;
    }

    /// <summary>A full-page screenshot in the test's output directory (a test artifact), its path in the test output.</summary>
    private async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard", name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"Screenshot: {path}");
    }

    /// <summary>The latency chart's newest p50 point: null for a second whose latency window held no request.</summary>
    private static Task<double?> NewestLatencyAsync(IPage page) => page.EvaluateAsync<double?>(
        "() => { const d = window.gatewayDashboard.charts.latency.data.datasets[0].data; return d.length ? d[d.length - 1] : null; }");

    private static async Task<Cards> ReadCardsAsync(IPage page) =>
        JsonSerializer.Deserialize<Cards>(await page.EvaluateAsync<string>(CardsScript), Json)!;

    private const string CardsScript = """
        () => {
          const text = id => document.getElementById(id).textContent.trim();
          const number = id => { const v = Number(text(id)); return Number.isFinite(v) ? v : null; };
          const frame = window.gatewayDashboard.lastFrame;
          return JSON.stringify({
            p50: number('p50'), p95: number('p95'), p99: number('p99'),
            hitRatio: text('auth-hit-ratio'), hits: number('auth-hits') ?? 0, negativeHits: number('auth-negative-hits') ?? 0, misses: number('auth-misses') ?? 0,
            serverErrorsPerSecond: frame ? frame.traffic.rates['5xx'] : -1,
            serverErrorLevel: document.getElementById('rate-5xx').dataset.level ?? '',
            serverErrorsColor: getComputedStyle(document.getElementById('rate-5xx')).color,
            requestsColor: getComputedStyle(document.getElementById('rps')).color,
          });
        }
        """;

    /// <summary>
    /// Per latency dataset: its measured range, the null points inside it (gaps), the null points
    /// of seconds with traffic (must be none), and the line segments Chart.js draws.
    /// </summary>
    private const string LatencyLinesScript = """
        () => {
          const { traffic, latency } = window.gatewayDashboard.charts;
          const classes = traffic.data.datasets.filter(d => ['2xx', '3xx', '4xx', '5xx'].includes(d.label));
          const flowed = i => classes.some(d => (d.data[i] ?? 0) > 0);
          return JSON.stringify(latency.data.datasets.map((d, index) => {
            const measured = d.data.map((v, i) => v === null || v === undefined ? -1 : i).filter(i => i >= 0);
            const first = measured.length ? measured[0] : -1, last = measured.length ? measured[measured.length - 1] : -1;
            const nulls = d.data.map((v, i) => v === null || v === undefined ? i : -1).filter(i => i >= 0);
            return {
              label: d.label, first, last,
              gaps: nulls.filter(i => i > first && i < last),
              nullWhileTrafficFlowed: nulls.filter(flowed),
              segments: latency.getDatasetMeta(index).dataset.segments.map(s => ({
                start: s.start, end: s.end, dashed: Array.isArray(s.style?.borderDash) && s.style.borderDash.length > 0,
              })),
            };
          }));
        }
        """;

    private const string LayoutScript = """
        () => {
          const card = document.getElementById('latency-card').getBoundingClientRect();
          const latency = document.getElementById('latency');
          return JSON.stringify({
            latency: { scrollWidth: latency.scrollWidth, clientWidth: latency.clientWidth },
            values: ['p50', 'p95', 'p99'].map(id => {
              const el = document.getElementById(id), box = el.getBoundingClientRect();
              return { id, text: el.textContent.trim(), inside: el.scrollWidth <= el.clientWidth && box.left >= card.left && box.right <= card.right };
            }),
            boxes: [...document.querySelectorAll('.card, .panel')].map((el, i) => {
              // A table wider than the box's content spills into its padding without scrolling it:
              // measure how far past the content edge any table or value row reaches.
              const style = getComputedStyle(el), right = el.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
              const spill = Math.max(0, ...[...el.querySelectorAll('table, .stats')].map(c => c.getBoundingClientRect().right - right));
              return { name: (el.querySelector('h2')?.textContent ?? 'box ' + i).trim(), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, spill: Math.ceil(spill) };
            }),
            pageScrollWidth: document.documentElement.scrollWidth, pageClientWidth: document.documentElement.clientWidth,
          });
        }
        """;

    /// <summary>A replica's configuration: its configuration file, or a stored version.</summary>
    [GeneratedRegex(@"^(file|v\d+)$")]
    private static partial Regex ConfigVersionText();

    [GeneratedRegex(@"^(?<value>\d{1,3}\.\d) %$")]
    private static partial Regex PercentText();

    [GeneratedRegex(@"^[\d,]+(\.\d+)?$")]
    private static partial Regex MillisecondsText();

    /// <summary>A YARP route id (kebab-case in this gateway's configuration) or one of the gateway's fixed names.</summary>
    [GeneratedRegex(@"^([a-z0-9][a-z0-9-]*|\(gateway\) [a-z]+|\(no route\))$")]
    private static partial Regex RouteName();

    private sealed record Cards(
        double? P50, double? P95, double? P99, string HitRatio, long Hits, long NegativeHits, long Misses,
        double ServerErrorsPerSecond, string ServerErrorLevel, string ServerErrorsColor, string RequestsColor);

    private sealed record LatencyLine(string Label, int First, int Last, int[] Gaps, int[] NullWhileTrafficFlowed, Segment[] Segments);

    private sealed record Segment(int Start, int End, bool Dashed);

    private sealed record Layout(Extent Latency, Value[] Values, Box[] Boxes, int PageScrollWidth, int PageClientWidth);

    private sealed record Extent(int ScrollWidth, int ClientWidth);

    private sealed record Value(string Id, string Text, bool Inside);

    private sealed record Box(string Name, int ScrollWidth, int ClientWidth, int Spill);

    private static async Task<Totals> ReadTotalsAsync(IPage page) => new(
        await NumberAsync(page, "#total-requests"), await NumberAsync(page, "#total-401"), await NumberAsync(page, "#total-429"));

    private static async Task<long> NumberAsync(IPage page, string selector)
    {
        var text = (await page.Locator(selector).TextContentAsync())?.Trim();
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }

    private sealed record Totals(long Requests, long Unauthorized, long TooMany);
}

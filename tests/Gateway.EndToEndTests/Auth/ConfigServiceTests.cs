using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Gateway.Auth.V1;
using Gateway.Contracts.Configuration;
using Gateway.Contracts.Redis;
using Gateway.EndToEndTests.Hostile;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Grpc.Core;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.Auth;

/// <summary>
/// ConfigService over real gRPC against real PostgreSQL and Redis.
/// </summary>
/// <remarks>
/// The running gateway is shared, and proxies apply the active version: every document stored
/// here is the active one with only its <c>plans</c> section changed, under a plan name of its own.
/// </remarks>
[Collection(GatewayAppCollection.Name)]
public sealed class ConfigServiceTests(GatewayAppFixture fixture) : IDisposable
{
    private const string BootstrapDocument = """{"routes":{},"clusters":{}}""";

    private static readonly TimeSpan NoticeDeadline = TimeSpan.FromSeconds(15);

    private readonly AuthClients _clients = new(fixture.App);

    private ConfigService.ConfigServiceClient Config => _clients.Config;

    [Fact]
    public async Task BootstrapConfig_SecondCall_SameVersion_FirstVersionHasThePlansTable()
    {
        var first = await BootstrapAsync();
        var second = await Config.BootstrapConfigAsync(
            new BootstrapConfigRequest { Document = """{"routes":{"other":{}},"clusters":{}}""", Source = "another-test" }, deadline: AuthClients.Deadline());

        Assert.Equal(first, second);
        Assert.True(first.Version >= 1);

        // Version 1 came from a file (this test's, or a proxy's), with the plans the service had.
        var one = await Config.GetConfigVersionAsync(new GetConfigVersionRequest { Version = 1 }, deadline: AuthClients.Deadline());
        Assert.Equal("bootstrap", one.Author);
        Assert.StartsWith("From the configuration file of ", one.Summary, StringComparison.Ordinal);
        Assert.Equal(0, one.RestoredFrom);
        var bootstrapped = PlansOf(one.Document);
        var table = await ListPlansAsync(await AdminTokenAsync());
        Assert.Contains("free", bootstrapped.Keys);
        Assert.Contains("pro", bootstrapped.Keys);
        Assert.All(bootstrapped.Keys, name => Assert.Contains(name, table.Keys));
    }

    [Fact]
    public async Task BootstrapConfig_WithPlansOrWithoutSource_InvalidArgumentNamingTheField()
    {
        var withPlans = await AuthClients.ThrowsRpcAsync(() => Config.BootstrapConfigAsync(
            new BootstrapConfigRequest { Document = """{"routes":{},"plans":{}}""", Source = "test" }, deadline: AuthClients.Deadline()).ResponseAsync);
        var withoutSource = await AuthClients.ThrowsRpcAsync(() => Config.BootstrapConfigAsync(
            new BootstrapConfigRequest { Document = BootstrapDocument }, deadline: AuthClients.Deadline()).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (withPlans.StatusCode, withoutSource.StatusCode));
        Assert.StartsWith("plans: ", withPlans.Status.Detail, StringComparison.Ordinal);
        Assert.StartsWith("source: ", withoutSource.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutConfig_ActiveDocumentWithANewPlan_NextVersion_ByTheAdmin_PlanInEffect_NeverDeleted()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();
        var plan = NewPlanName();
        var document = WithPlan(active.Document, plan, new PlanLimits(7, 11));

        var stored = await Config.PutConfigAsync(
            new PutConfigRequest { AccessToken = admin, ExpectedVersion = active.Version, Document = document, Summary = $"test: add plan {plan}" },
            deadline: AuthClients.Deadline());

        Assert.Equal(active.Version + 1, stored.Version);
        Assert.Equal("admin", stored.Author);
        Assert.Equal($"test: add plan {plan}", stored.Summary);
        Assert.Equal(0, stored.RestoredFrom);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(document), JsonNode.Parse(stored.Document)));
        Assert.Equal(stored.Version, (await Config.GetActiveConfigVersionAsync(new GetActiveConfigVersionRequest(), deadline: AuthClients.Deadline())).Version);
        Assert.Equal(stored, await Config.GetActiveConfigAsync(new GetActiveConfigRequest(), deadline: AuthClients.Deadline()));
        Assert.Equal(stored, await Config.GetConfigVersionAsync(new GetConfigVersionRequest { Version = stored.Version }, deadline: AuthClients.Deadline()));

        // The plan is in the plans table, and a user moved onto it gets its limit.
        Assert.Equal(new PlanLimits(7, 11), (await ListPlansAsync(admin))[plan]);
        var (userName, _, login) = await _clients.NewLoggedInUserAsync();
        await _clients.Admin.SetUserPlanAsync(new SetUserPlanRequest { AccessToken = admin, UserName = userName, Plan = plan }, deadline: AuthClients.Deadline());
        var principal = (await _clients.Auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = login.AccessToken }, deadline: AuthClients.Deadline())).Principal;
        Assert.Equal((plan, 7, 11), (principal.Plan, principal.RequestsPerWindow, principal.WindowSeconds));

        // A later version changes its limits...
        var changed = await PutAsync(admin, stored, WithPlan(stored.Document, plan, new PlanLimits(8, 12)), "test: change plan");
        Assert.Equal(new PlanLimits(8, 12), (await ListPlansAsync(admin))[plan]);
        principal = (await _clients.Auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = login.AccessToken }, deadline: AuthClients.Deadline())).Principal;
        Assert.Equal((8, 12), (principal.RequestsPerWindow, principal.WindowSeconds));

        // ...and one without it leaves it alone: a user is on it.
        var removed = await PutAsync(admin, changed, WithPlan(changed.Document, plan, null), "test: remove plan");
        Assert.DoesNotContain(plan, PlansOf(removed.Document).Keys);
        Assert.Equal(new PlanLimits(8, 12), (await ListPlansAsync(admin))[plan]);
    }

    [Fact]
    public async Task PutConfig_StaleExpectedVersion_Aborted_NothingStored()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();
        var plan = NewPlanName();

        var stale = await PutRefusedAsync(new PutConfigRequest { AccessToken = admin, ExpectedVersion = active.Version - 1, Document = WithPlan(active.Document, plan, new PlanLimits(5, 5)), Summary = "test: stale" });

        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Equal(
            $"expected_version {active.Version - 1} is not the active version ({active.Version}): read the active version and apply your change to it",
            stale.Status.Detail);
        await AssertNothingStoredAsync(admin, active, plan);
    }

    [Fact]
    public async Task PutConfig_MalformedDocumentOrSummary_InvalidArgumentNamingTheField_NothingStored()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();
        var plan = NewPlanName();
        var good = WithPlan(active.Document, plan, new PlanLimits(5, 5));
        // Over the limit: answered by the service (naming the field), not by the message size
        // limit (RESOURCE_EXHAUSTED), which is bigger for ConfigService than for the others.
        var oversize = WithPadding(good, ConfigChanges.MaxDocumentBytes + 1);
        // Near the limit, with a bad plan: a message this large is read and validated.
        var nearLimitBadPlan = WithPadding(WithPlan(active.Document, plan, new PlanLimits(0, 5)), ConfigChanges.MaxDocumentBytes - 100);

        foreach (var (document, summary, expected) in new[]
        {
            ("{\"routes\":", "test", "document: not valid JSON"),
            ("[1,2]", "test", "document: must be a JSON object"),
            ("", "test", "document: is required"),
            ("""{"routes":{},"routes":{}}""", "test", "document: not valid JSON"),
            (WithPlan(active.Document, plan, new PlanLimits(0, 5)), "test", $"plans.{plan}.requestsPerWindow: must be between 1 and 2147483647"),
            (WithPlan(active.Document, plan, new PlanLimits(5, 86_401)), "test", $"plans.{plan}.windowSeconds: must be between 1 and 86400"),
            (WithPlan(active.Document, "Not-A-Plan", new PlanLimits(5, 5)), "test", "plans[\"Not-A-Plan\"]: a plan name must be"),
            (oversize, "test", $"document: must be at most {ConfigChanges.MaxDocumentBytes} bytes"),
            (nearLimitBadPlan, "test", $"plans.{plan}.requestsPerWindow: "),
            (good, new string('s', ConfigChanges.MaxSummaryLength + 1), $"summary: must be at most {ConfigChanges.MaxSummaryLength} characters"),
            (good, "line one\nline two", "summary: must not contain control characters"),
        })
        {
            var refused = await PutRefusedAsync(new PutConfigRequest { AccessToken = admin, ExpectedVersion = active.Version, Document = document, Summary = summary });
            Assert.True(refused.StatusCode == StatusCode.InvalidArgument, $"{expected}: {refused.StatusCode} {refused.Status.Detail}");
            Assert.StartsWith(expected, refused.Status.Detail, StringComparison.Ordinal);
        }

        await AssertNothingStoredAsync(admin, active, plan);
    }

    [Fact]
    public async Task PutConfig_NotAnAdmin_PermissionDenied_ApiKeyAsToken_Unauthenticated_NothingStored()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();
        var plan = NewPlanName();
        var document = WithPlan(active.Document, plan, new PlanLimits(5, 5));
        var (_, _, user) = await _clients.NewLoggedInUserAsync();
        var adminKey = await _clients.Auth.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = admin, Name = "config-test" }, deadline: AuthClients.Deadline());

        var notAdmin = await PutRefusedAsync(new PutConfigRequest { AccessToken = user.AccessToken, ExpectedVersion = active.Version, Document = document, Summary = "test" });
        var apiKey = await PutRefusedAsync(new PutConfigRequest { AccessToken = adminKey.ApiKey, ExpectedVersion = active.Version, Document = document, Summary = "test" });

        Assert.Equal(StatusCode.PermissionDenied, notAdmin.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, apiKey.StatusCode);
        await AssertNothingStoredAsync(admin, active, plan);
    }

    [Fact]
    public async Task PutConfig_RestoredFrom_Recorded_AVersionThatDoesNotExist_NotFound()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();

        var missing = await PutRefusedAsync(new PutConfigRequest { AccessToken = admin, ExpectedVersion = active.Version, Document = active.Document, Summary = "test: restore", RestoredFrom = active.Version + 1 });
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.StartsWith("restored_from: ", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(active.Version, await ActiveVersionAsync());

        // Restoring the active version's own document: the one restore that changes nothing the proxies run.
        var restored = await Config.PutConfigAsync(
            new PutConfigRequest { AccessToken = admin, ExpectedVersion = active.Version, Document = active.Document, Summary = "test: restore", RestoredFrom = active.Version },
            deadline: AuthClients.Deadline());
        Assert.Equal((active.Version + 1, active.Version), (restored.Version, restored.RestoredFrom));
        Assert.Equal(active.Document, restored.Document);
    }

    [Fact]
    public async Task ListConfigVersions_NewestFirst_WithoutDocuments_PagedByBeforeVersion()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();
        var newest = await PutAsync(admin, active, WithPlan(active.Document, NewPlanName(), new PlanLimits(5, 5)), "test: for the list");

        var all = (await Config.ListConfigVersionsAsync(new ListConfigVersionsRequest(), deadline: AuthClients.Deadline())).Versions;
        Assert.Equal(newest.Version, all[0].Version);
        Assert.Equal(Math.Min(50, newest.Version), all.Count);
        Assert.Equal(all.Select(v => v.Version).OrderDescending(), all.Select(v => v.Version));
        Assert.All(all, v => Assert.Empty(v.Document));
        Assert.Equal(("admin", "test: for the list"), (all[0].Author, all[0].Summary));

        var firstPage = (await Config.ListConfigVersionsAsync(new ListConfigVersionsRequest { Limit = 1 }, deadline: AuthClients.Deadline())).Versions;
        var secondPage = (await Config.ListConfigVersionsAsync(
            new ListConfigVersionsRequest { Limit = 1, BeforeVersion = firstPage[0].Version }, deadline: AuthClients.Deadline())).Versions;
        Assert.Equal(newest.Version, Assert.Single(firstPage).Version);
        Assert.Equal(newest.Version - 1, Assert.Single(secondPage).Version);
        Assert.Empty((await Config.ListConfigVersionsAsync(new ListConfigVersionsRequest { BeforeVersion = 1 }, deadline: AuthClients.Deadline())).Versions);

        foreach (var (request, field) in new[]
        {
            (new ListConfigVersionsRequest { Limit = 501 }, "limit: "),
            (new ListConfigVersionsRequest { Limit = -1 }, "limit: "),
            (new ListConfigVersionsRequest { BeforeVersion = -1 }, "before_version: "),
        })
        {
            var refused = await AuthClients.ThrowsRpcAsync(() => Config.ListConfigVersionsAsync(request, deadline: AuthClients.Deadline()).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.StartsWith(field, refused.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetConfigVersion_NoSuchVersion_NotFound_ZeroInvalidArgument()
    {
        var active = await BootstrapAsync();

        var missing = await AuthClients.ThrowsRpcAsync(() => Config.GetConfigVersionAsync(
            new GetConfigVersionRequest { Version = active.Version + 1_000 }, deadline: AuthClients.Deadline()).ResponseAsync);
        var zero = await AuthClients.ThrowsRpcAsync(() => Config.GetConfigVersionAsync(
            new GetConfigVersionRequest { Version = 0 }, deadline: AuthClients.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, zero.StatusCode);
    }

    [Fact]
    public async Task PutConfig_StoredVersion_IsAnnouncedOnRedis()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();
        // As the proxies hear it: their own ACL user, subscribed before the change.
        await using var proxyRedis = await AppResources.ConnectRedisAsAsync(fixture.App, RedisUsers.Proxy);
        var heard = new ConcurrentQueue<long>();
        await proxyRedis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ConfigChanges.Channel), (_, message) =>
        {
            if (ConfigChanges.TryParse(message, out var version))
            {
                heard.Enqueue(version);
            }
        });

        var stored = await PutAsync(admin, active, WithPlan(active.Document, NewPlanName(), new PlanLimits(5, 5)), "test: announced");

        await Poll.UntilAsync(_ => Task.FromResult(heard.Contains(stored.Version) ? "heard" : null), NoticeDeadline, $"the notice of version {stored.Version}");
    }

    [Fact]
    public async Task PutConfig_WhileRedisIsDown_Stored()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();
        var plan = NewPlanName();

        ConfigVersion? stored = null;
        await AppResources.WhileStoppedAsync(fixture.App, "redis", async () =>
            stored = await PutAsync(admin, active, WithPlan(active.Document, plan, new PlanLimits(5, 5)), "test: Redis down"));

        Assert.Equal(active.Version + 1, stored!.Version);
        Assert.Equal(stored.Version, await ActiveVersionAsync());
        Assert.Equal(new PlanLimits(5, 5), (await ListPlansAsync(admin))[plan]);
    }

    [Fact]
    public async Task AuthRestart_AfterAVersionChangedAConfiguredPlan_TheVersionsLimitStays_TheSettingIsLogged()
    {
        var admin = await AdminTokenAsync();
        var active = await BootstrapAsync();
        // The fixture configures Auth:Plans:free (1000000 per 60 s); a version sets one less.
        var configured = new PlanLimits(1_000_000, 60);
        Assert.Equal(configured, (await ListPlansAsync(admin))["free"]);
        var fromVersion = configured with { RequestsPerWindow = configured.RequestsPerWindow - 1 };
        await PutAsync(admin, active, WithPlan(active.Document, "free", fromVersion), "test: free from a version");
        try
        {
            await using var logs = await ResourceLogWatch.StartAsync(fixture.App);
            await AppResources.WhileStoppedAsync(fixture.App, "auth", () => Task.CompletedTask);

            await logs.WaitForLineAsync(logs.AuthId, "Auth:Plans:free (1000000 per 60 s) is not applied", TimeSpan.FromSeconds(30));
            Assert.Equal(fromVersion, (await ListPlansAsync(admin))["free"]);
        }
        finally
        {
            // Back to the fixture's limit, the way a limit now changes: a version.
            var current = await Config.GetActiveConfigAsync(new GetActiveConfigRequest(), deadline: AuthClients.Deadline());
            await PutAsync(admin, current, WithPlan(current.Document, "free", configured), "test: free back to the fixture's limit");
        }

        Assert.Equal(configured, (await ListPlansAsync(admin))["free"]);
    }

    /// <summary>
    /// The active version: the proxies' once they bootstrapped, else one from a minimal file (a
    /// proxy's bootstrap then gets this one, as a replica that came second would).
    /// </summary>
    private async Task<ConfigVersion> BootstrapAsync() =>
        await Config.BootstrapConfigAsync(new BootstrapConfigRequest { Document = BootstrapDocument, Source = "test" }, deadline: AuthClients.Deadline());

    private async Task<ConfigVersion> PutAsync(string admin, ConfigVersion active, string document, string summary) =>
        await Config.PutConfigAsync(
            new PutConfigRequest { AccessToken = admin, ExpectedVersion = active.Version, Document = document, Summary = summary },
            deadline: AuthClients.Deadline());

    private Task<RpcException> PutRefusedAsync(PutConfigRequest request) =>
        AuthClients.ThrowsRpcAsync(() => Config.PutConfigAsync(request, deadline: AuthClients.Deadline()).ResponseAsync);

    private async Task<long> ActiveVersionAsync() =>
        (await Config.GetActiveConfigVersionAsync(new GetActiveConfigVersionRequest(), deadline: AuthClients.Deadline())).Version;

    private async Task AssertNothingStoredAsync(string admin, ConfigVersion active, string plan)
    {
        Assert.Equal(active.Version, await ActiveVersionAsync());
        Assert.DoesNotContain(plan, (await ListPlansAsync(admin)).Keys);
    }

    private Task<string> AdminTokenAsync() => _clients.AdminTokenAsync(fixture.App);

    private async Task<Dictionary<string, PlanLimits>> ListPlansAsync(string admin) =>
        (await _clients.Admin.ListPlansAsync(new ListPlansRequest { AccessToken = admin }, deadline: AuthClients.Deadline()))
            .Plans.ToDictionary(p => p.Name, p => new PlanLimits(p.RequestsPerWindow, p.WindowSeconds));

    /// <summary>A plan name no other test uses, within the plan-name rule.</summary>
    private static string NewPlanName() => $"t{Guid.NewGuid():N}"[..16];

    /// <summary><paramref name="document"/> with plan <paramref name="name"/> set to <paramref name="limits"/>, or removed when null; nothing else changes.</summary>
    private static string WithPlan(string document, string name, PlanLimits? limits)
    {
        var root = JsonNode.Parse(document)!.AsObject();
        if (root["plans"] is not JsonObject plans)
        {
            root["plans"] = plans = [];
        }

        plans.Remove(name);
        if (limits is not null)
        {
            plans[name] = new JsonObject { ["requestsPerWindow"] = limits.RequestsPerWindow, ["windowSeconds"] = limits.WindowSeconds };
        }

        return root.ToJsonString();
    }

    /// <summary>
    /// <paramref name="document"/> grown to <paramref name="bytes"/> with a member no one reads.
    /// Only for documents that are refused: a stored one would reach the proxies.
    /// </summary>
    private static string WithPadding(string document, int bytes)
    {
        var root = JsonNode.Parse(document)!.AsObject();
        root["test-padding"] = string.Empty;
        var overhead = root.ToJsonString().Length;
        root["test-padding"] = new string('p', bytes - overhead);
        var padded = root.ToJsonString();
        Assert.Equal(bytes, System.Text.Encoding.UTF8.GetByteCount(padded));
        return padded;
    }

    private static Dictionary<string, PlanLimits> PlansOf(string document)
    {
        using var parsed = System.Text.Json.JsonDocument.Parse(document);
        return ConfigPlans.Read(parsed.RootElement).ToDictionary();
    }

    public void Dispose() => _clients.Dispose();
}

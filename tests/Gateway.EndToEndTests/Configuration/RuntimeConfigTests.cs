using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.EndToEndTests.Reliability;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.Configuration;

/// <summary>
/// Routes, policies and plans changed through the admin API while the gateway serves: every
/// replica serves a change within a second, a bad one changes nothing, every change is in the
/// history with its author and can be rolled back, and a replica that missed the notice (Redis
/// down) or was not running converges. Each test adds entries of its own and removes them.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class RuntimeConfigTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    /// <summary>The bound: a change is served by every replica within a second.</summary>
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(1);

    /// <summary>With Redis down: the poll interval (2 s, Gateway:RuntimeConfig:PollInterval) plus the calls, twice for safety.</summary>
    private static readonly TimeSpan PollingBound = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private ConfigAdmin _admin = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _admin = new ConfigAdmin(Replicas.Clients[0], await AuthClients.AdminTokenAsync(Fixture.App));
    }

    [Fact]
    public async Task RouteAdded_ServedByBothReplicasWithinASecond_RemovedLikewise_InFlightRequestCompletes()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var name = NewName("route");
        var before = await _admin.ActiveVersionAsync();

        using (var added = await _admin.PutAsync($"{ConfigAdmin.Path}/routes/{name}", ConfigAdmin.Route(name), summary: "test route"))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
            var answer = await ConfigAdmin.JsonAsync(added);
            Assert.True(answer.GetProperty("version").GetInt64() > before);
            Assert.Equal("admin", answer.GetProperty("author").GetString());
            Assert.Equal([$"+routes.{name}"], answer.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));
        }

        await EveryReplicaAsync($"/{name}/hello", login.AccessToken, HttpStatusCode.OK, Propagation, "the added route");

        // A response the backend holds open (it sent its first event), then the route goes: the
        // request still completes, with the rest of its body, once the backend releases it.
        var id = Guid.NewGuid();
        using var held = await Replicas.Clients[1].SendAsync(ProxyReplicas.Get($"/{name}/sse?id={id}", login.AccessToken), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        await using var body = await held.Content.ReadAsStreamAsync();
        await using var events = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal("held", events.Current.Data);

        using (var removed = await _admin.DeleteAsync($"{ConfigAdmin.Path}/routes/{name}"))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await EveryReplicaAsync($"/{name}/hello", login.AccessToken, HttpStatusCode.NotFound, Propagation, "the removed route");

        using (var release = await Replicas.Clients[1].SendAsync(Post($"/api/sse/{id}/release", login.AccessToken)))
        {
            Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
        }

        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout));
        Assert.Equal("released", events.Current.Data);
        Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task BadChanges_400WithYarpsMessages_StaleIfMatch412_NonAdmin403_ApiKey403_NothingStored()
    {
        var before = await _admin.ActiveVersionAsync();
        var name = NewName("bad");

        // YARP's own validator: a path with two catch-alls.
        var invalid = ConfigAdmin.Route(name).Replace($"/{name}/{{**rest}}", "/{**a}/{**b}", StringComparison.Ordinal);
        using (var refused = await _admin.PutAsync($"{ConfigAdmin.Path}/routes/{name}", invalid))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var errors = (await ConfigAdmin.JsonAsync(refused)).GetProperty("errors").GetProperty($"routes.{name}");
            Assert.Contains(errors.EnumerateArray(), e => e.GetString()!.Contains("Invalid path", StringComparison.OrdinalIgnoreCase));
        }

        // The gateway's own rules: an unknown cluster, an unknown policy.
        var unknown = ConfigAdmin.Route(name, policy: "no-such-policy").Replace("\"sampleapi\"", "\"no-such-cluster\"", StringComparison.Ordinal);
        using (var refused = await _admin.PutAsync($"{ConfigAdmin.Path}/routes/{name}", unknown))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var text = (await ConfigAdmin.JsonAsync(refused)).GetProperty("errors").GetRawText();
            Assert.Contains("no-such-cluster", text, StringComparison.Ordinal);
            Assert.Contains("no-such-policy", text, StringComparison.Ordinal);
        }

        // Whole document: If-Match is required, and a stale one is refused.
        using var current = await _admin.GetAsync();
        var document = await current.Content.ReadAsStringAsync();
        using (var missing = await _admin.PutAsync(ConfigAdmin.Path, document))
        {
            Assert.Equal((HttpStatusCode)428, missing.StatusCode);
        }

        using (var stale = await _admin.PutAsync(ConfigAdmin.Path, document, ifMatch: $"\"{before - 1}\""))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
            Assert.Equal($"\"{before}\"", stale.Headers.ETag?.Tag);
        }

        using (var stale = await _admin.PutAsync($"{ConfigAdmin.Path}/routes/{name}", ConfigAdmin.Route(name), ifMatch: $"\"{before + 100}\""))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        }

        // Not an admin: 403; an admin's API key: 403 (keys cannot manage).
        var (_, _, user) = await AuthClients.NewLoggedInUserAsync();
        using (var forbidden = await new ConfigAdmin(Replicas.Clients[0], user.AccessToken).PutAsync($"{ConfigAdmin.Path}/routes/{name}", ConfigAdmin.Route(name)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var adminKey = await AdminApiKeyAsync();
        using (var keyed = await Replicas.Clients[0].SendAsync(WithKey(HttpMethod.Put, $"{ConfigAdmin.Path}/routes/{name}", adminKey, ConfigAdmin.Route(name))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, keyed.StatusCode);
        }

        // A dry run validates and stores nothing.
        using (var dry = await _admin.PutAsync($"{ConfigAdmin.Path}/routes/{name}?dryRun=true", ConfigAdmin.Route(name)))
        {
            Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
            Assert.Equal([$"+routes.{name}"], (await ConfigAdmin.JsonAsync(dry)).GetProperty("changes").EnumerateArray().Select(c => c.GetString()));
        }

        Assert.Equal(before, await _admin.ActiveVersionAsync());
        Assert.Equal(before, await new ConfigAdmin(Replicas.Clients[1], await AuthClients.AdminTokenAsync(Fixture.App)).ActiveVersionAsync());
        using var latest = await _admin.GetAsync($"{ConfigAdmin.Path}/versions?limit=1");
        Assert.Equal(before, (await ConfigAdmin.JsonAsync(latest))[0].GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task EveryChange_InTheHistoryWithItsAuthor_RollbackServedByEveryReplicaWithinASecond()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var name = NewName("rollback");
        var before = await _admin.ActiveVersionAsync();
        using (var added = await _admin.PutAsync($"{ConfigAdmin.Path}/routes/{name}", ConfigAdmin.Route(name), summary: $"add {name}"))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        await EveryReplicaAsync($"/{name}/hello", login.AccessToken, HttpStatusCode.OK, Propagation, "the added route");
        using (var history = await _admin.GetAsync($"{ConfigAdmin.Path}/versions?limit=2"))
        {
            var versions = await ConfigAdmin.JsonAsync(history);
            Assert.Equal("admin", versions[0].GetProperty("author").GetString());
            Assert.Equal($"add {name}", versions[0].GetProperty("summary").GetString());
            Assert.Equal(before, versions[1].GetProperty("version").GetInt64());
        }

        using (var restored = await _admin.PostAsync($"{ConfigAdmin.Path}/versions/{before}/restore"))
        {
            Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
            var body = await ConfigAdmin.JsonAsync(restored);
            Assert.Equal(before, body.GetProperty("restoredFrom").GetInt64());
            Assert.Equal([$"-routes.{name}"], body.GetProperty("changes").EnumerateArray().Select(c => c.GetString()));
        }

        await EveryReplicaAsync($"/{name}/hello", login.AccessToken, HttpStatusCode.NotFound, Propagation, "the rolled-back route to go");
        using var restoredDocument = await _admin.GetAsync();
        using var original = await _admin.GetAsync($"{ConfigAdmin.Path}/versions/{before}");
        Assert.Equal(
            JsonSerializer.Serialize(await ConfigAdmin.JsonAsync(original)),
            JsonSerializer.Serialize(await ConfigAdmin.JsonAsync(restoredDocument)));
    }

    [Fact]
    public async Task PoliciesAdded_TheirRouteAuthorizesAndLimitsWithThem()
    {
        var name = NewName("policies");
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var adminToken = await AuthClients.AdminTokenAsync(Fixture.App);
        var policy = name + "-admins";
        var limit = name + "-three";
        await PutOkAsync($"authorizationPolicies/{policy}", """{ "roles": [ "admin" ] }""");
        await PutOkAsync($"rateLimitPolicies/{limit}", """{ "partition": "User", "mode": "Strict", "limit": 3, "windowSeconds": 60 }""");
        // Into the sample API's /partners space, which no other route reaches (another route's
        // space would be an overlap: a different policy guarding the same backend paths).
        await PutOkAsync($"routes/{name}", ConfigAdmin.Route(name, policy, limit, space: "/partners"));
        try
        {
            await EveryReplicaAsync($"/{name}/hello", adminToken, HttpStatusCode.OK, Propagation, "the route with new policies");
            using (var forbidden = await Replicas.Clients[1].SendAsync(ProxyReplicas.Get($"/{name}/hello", login.AccessToken)))
            {
                Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            }

            // Three per window for the admin, across both replicas (one request was the probe above, per replica that answered it).
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 6; i++)
            {
                using var response = await Replicas.Clients[i % 2].SendAsync(ProxyReplicas.Get($"/{name}/hello", adminToken));
                statuses.Add(response.StatusCode);
            }

            Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"answered {(int)s}"));
        }
        finally
        {
            await DeleteOkAsync($"routes/{name}");
            await DeleteOkAsync($"rateLimitPolicies/{limit}");
            await DeleteOkAsync($"authorizationPolicies/{policy}");
        }
    }

    [Fact]
    public async Task PlanLimitRaised_AppliesToACachedUserWithinASecond()
    {
        var plan = NewName("p").Replace("-", "_", StringComparison.Ordinal)[..20];
        await PutOkAsync($"plans/{plan}", """{ "requestsPerWindow": 2, "windowSeconds": 60 }""");
        var (userName, _, login) = await AuthClients.NewLoggedInUserAsync();
        await Replicas.MoveToPlanAsync(AuthClients, Fixture.App, userName, login.AccessToken, plan, expectedLimit: 2);

        // Cached on both replicas, and over its limit.
        await EveryReplicaAsync("/rl/strict/hello", login.AccessToken, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(10), "the small plan's limit");

        await PutOkAsync($"plans/{plan}", """{ "requestsPerWindow": 1000, "windowSeconds": 60 }""");
        foreach (var replica in Replicas.Clients)
        {
            await Poll.UntilAsync<object>(
                async ct =>
                {
                    using var response = await replica.SendAsync(ProxyReplicas.Get("/rl/strict/hello", login.AccessToken), ct);
                    return response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues("X-RateLimit-Limit", out var values) && values.Single() == "1000"
                        ? response
                        : null;
                },
                Propagation,
                "the raised limit on a replica that cached the user");
        }
    }

    [Fact]
    public async Task RedisStopped_AChangeReachesEveryReplicaByPolling()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var name = NewName("poll");
        using var cts = new CancellationTokenSource(Timeout);
        await Fixture.App.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand, cts.Token);
        await Fixture.App.ResourceNotifications.WaitForResourceAsync("redis", e => e.Snapshot.State?.Text is "Finished" or "Exited", cts.Token);
        try
        {
            await PutOkAsync($"routes/{name}", ConfigAdmin.Route(name, rateLimiterPolicy: "disable"));
            await EveryReplicaAsync($"/{name}/hello", login.AccessToken, HttpStatusCode.OK, PollingBound, "the change without Redis");
        }
        finally
        {
            await Fixture.App.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand, cts.Token);
            await Fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("redis", cts.Token);
        }

        await DeleteOkAsync($"routes/{name}");
        await EveryReplicaAsync($"/{name}/hello", login.AccessToken, HttpStatusCode.NotFound, PollingBound, "the removal after Redis is back");
    }

    [Fact]
    public async Task ReplicaNotRunningDuringAChange_ServesTheNewVersionFromItsFirstRequest()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var name = NewName("restart");
        using var cts = new CancellationTokenSource(Timeout);
        var replicas = await ResourceReplicas.WaitForAllHealthyAsync(Fixture.App, "proxy", expected: 2, cts.Token);
        var victim = replicas[1];
        var launcher = ResourceProcesses.LauncherPid(victim.Snapshot) ?? throw new InvalidOperationException("replica has no pid");
        var server = ResourceProcesses.ServerPid(launcher, "Gateway.Proxy") ?? throw new InvalidOperationException("no Gateway.Proxy process under the replica");
        var admin = new ConfigAdmin(new HttpClient { BaseAddress = ResourceReplicas.HttpAddress(replicas[0]), Timeout = ProxyReplicas.RequestTimeout }, await AuthClients.AdminTokenAsync(Fixture.App));

        ResourceProcesses.KillTree(server);
        await ResourceProcesses.WaitForStoppedAsync(Fixture.App, victim.ResourceId, cts.Token);
        try
        {
            using var added = await admin.PutAsync($"{ConfigAdmin.Path}/routes/{name}", ConfigAdmin.Route(name));
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }
        finally
        {
            await Fixture.App.ResourceCommands.ExecuteCommandAsync(victim.ResourceId, KnownResourceCommands.StartCommand, cts.Token);
        }

        var restarted = await ResourceProcesses.WaitForRestartedAsync(Fixture.App, victim.ResourceId, launcher, cts.Token);
        using var client = new HttpClient { BaseAddress = ResourceReplicas.HttpAddress(restarted), Timeout = ProxyReplicas.RequestTimeout };
        // The replica loads the active version before it listens: the first answer that is not a
        // refused connection is already the new route's.
        using var first = await Poll.UntilAsync(
            async ct =>
            {
                try
                {
                    return await client.SendAsync(ProxyReplicas.Get($"/{name}/hello", login.AccessToken), ct);
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            Timeout,
            "the restarted replica to answer");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var removed = await admin.DeleteAsync($"{ConfigAdmin.Path}/routes/{name}");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        admin.Replica.Dispose();
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAdminApi_ForAdminsOnly()
    {
        using var document = await _admin.GetAsync("/gateway/openapi/admin.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var paths = (await ConfigAdmin.JsonAsync(document)).GetProperty("paths");
        Assert.True(paths.TryGetProperty("/gateway/config/{section}/{name}", out var entry));
        Assert.True(entry.TryGetProperty("put", out _));
        Assert.True(paths.TryGetProperty("/gateway/config/versions/{version}/restore", out _));
        Assert.False(paths.TryGetProperty("/auth/login", out _));

        using var anonymous = await Replicas.Clients[0].GetAsync("/gateway/openapi/admin.json");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private async Task PutOkAsync(string path, string json)
    {
        using var response = await _admin.PutAsync($"{ConfigAdmin.Path}/{path}", json);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task DeleteOkAsync(string path)
    {
        using var response = await _admin.DeleteAsync($"{ConfigAdmin.Path}/{path}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"DELETE {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Polls each replica until <paramref name="path"/> answers <paramref name="expected"/>, within <paramref name="within"/>.</summary>
    private async Task EveryReplicaAsync(string path, string token, HttpStatusCode expected, TimeSpan within, string what)
    {
        await Task.WhenAll(Replicas.Clients.Select(replica =>
            ProxyReplicas.WaitForStatusAsync(replica, () => ProxyReplicas.Get(path, token), expected, within, what)));
    }

    private async Task<string> AdminApiKeyAsync()
    {
        var token = await AuthClients.AdminTokenAsync(Fixture.App);
        var key = await AuthClients.Auth.CreateApiKeyAsync(new Gateway.Auth.V1.CreateApiKeyRequest { AccessToken = token, Name = NewName("k") }, deadline: AuthClients.Deadline());
        return key.ApiKey;
    }

    private static HttpRequestMessage WithKey(HttpMethod method, string path, string apiKey, string json)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", apiKey);
        return request;
    }

    private static HttpRequestMessage Post(string path, string bearer)
    {
        var request = ProxyReplicas.Get(path, bearer);
        request.Method = HttpMethod.Post;
        return request;
    }

    private static string NewName(string prefix) => $"t-{prefix}-{Guid.NewGuid():N}"[..24];
}

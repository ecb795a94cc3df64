using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;

using Gateway.TestSupport;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>One HttpClient per proxy replica, on the replica's own address (not DCP's balancer).</summary>
public sealed class ProxyReplicas : IDisposable
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private ProxyReplicas(IReadOnlyList<HttpClient> clients) => Clients = clients;

    public IReadOnlyList<HttpClient> Clients { get; }

    public static async Task<ProxyReplicas> ConnectAsync(DistributedApplication app)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var replicas = await ResourceReplicas.WaitForAllHealthyAsync(app, "proxy", expected: 2, cts.Token);
        return new ProxyReplicas(replicas
            .Select(r => new HttpClient { BaseAddress = ResourceReplicas.HttpAddress(r), Timeout = RequestTimeout })
            .ToList());
    }

    public static HttpRequestMessage Get(string path, string? bearer = null, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        return request;
    }

    /// <summary>This replica's <c>/gateway/diagnostics</c> (admin only).</summary>
    public static async Task<JsonElement> DiagnosticsAsync(HttpClient replica, string adminToken)
    {
        using var response = await replica.SendAsync(Get("/gateway/diagnostics", adminToken));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Sends fresh requests until one is answered with <paramref name="expected"/>, or fails at the deadline.</summary>
    public static Task WaitForStatusAsync(HttpClient client, Func<HttpRequestMessage> request, HttpStatusCode expected, TimeSpan timeout, string what) =>
        Poll.UntilAsync<object>(
            async ct =>
            {
                using var response = await client.SendAsync(request(), ct);
                return response.StatusCode == expected ? response : null;
            },
            timeout,
            what);

    /// <summary>Moves a user to a plan and waits until the replicas apply its limit.</summary>
    public async Task MoveToPlanAsync(AuthClients clients, DistributedApplication app, string userName, string accessToken, string plan, int expectedLimit) =>
        await MoveToPlanAsync(clients, await clients.AdminTokenAsync(app), userName, accessToken, plan, expectedLimit);

    /// <summary>As above, with an admin's token the caller already has (one password check for many users).</summary>
    public async Task MoveToPlanAsync(AuthClients clients, string adminToken, string userName, string accessToken, string plan, int expectedLimit)
    {
        await clients.Admin.SetUserPlanAsync(
            new Gateway.Auth.V1.SetUserPlanRequest { AccessToken = adminToken, UserName = userName, Plan = plan }, deadline: AuthClients.Deadline());
        var limit = expectedLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var replica in Clients)
        {
            await Poll.UntilAsync<object>(
                async ct =>
                {
                    using var response = await replica.SendAsync(Get("/api/hello", accessToken), ct);
                    return response.Headers.TryGetValues("X-RateLimit-Limit", out var values) && values.Single() == limit ? response : null;
                },
                TimeSpan.FromSeconds(10),
                "the plan change to reach a replica");
        }
    }

    public static async Task<long> ValidateCallsAsync(HttpClient replica, string adminToken) =>
        (await DiagnosticsAsync(replica, adminToken)).GetProperty("authService").GetProperty("validateCalls").GetInt64();

    public void Dispose()
    {
        foreach (var client in Clients)
        {
            client.Dispose();
        }
    }
}

using System.Net;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.AppHost;

[Collection(GatewayAppCollection.Name)]
public sealed class HealthEndpointTests(GatewayAppFixture fixture)
{
    public static TheoryData<string, int> Projects() => new()
    {
        { "sampleapi", 1 },
        { "auth", 1 },
        { "proxy", 2 },
        { "dashboard", 1 },
    };

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task HealthAndAlive_OnEveryReplica_AnswerHealthy(string resourceName, int replicas)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var instances = await ResourceReplicas.WaitForAllHealthyAsync(fixture.App, resourceName, replicas, cts.Token);

        Assert.Equal(replicas, instances.Count);
        foreach (var instance in instances)
        {
            using var client = new HttpClient { BaseAddress = ResourceReplicas.HttpAddress(instance) };
            foreach (var path in new[] { "/health", "/alive" })
            {
                // Aspire checks a replicated resource through DCP's shared endpoint, so a replica can
                // read healthy a moment before its own listener accepts: poll it, with the deadline.
                await Poll.UntilAsync<string>(async ct =>
                {
                    try
                    {
                        using var response = await client.GetAsync(path, ct);
                        var body = await response.Content.ReadAsStringAsync(ct);
                        return response.StatusCode == HttpStatusCode.OK && body == "Healthy" ? body : null;
                    }
                    catch (HttpRequestException)
                    {
                        return null;
                    }
                }, TimeSpan.FromSeconds(30), $"{instance.ResourceId}{path} to answer 200 Healthy");
            }
        }
    }
}

using System.Net;
using Gateway.EndToEndTests.Infrastructure;

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
                using var response = await client.GetAsync(path, cts.Token);
                var body = await response.Content.ReadAsStringAsync(cts.Token);
                Assert.True(
                    response.StatusCode == HttpStatusCode.OK && body == "Healthy",
                    $"{instance.ResourceId}{path} answered {(int)response.StatusCode} '{body}'");
            }
        }
    }
}

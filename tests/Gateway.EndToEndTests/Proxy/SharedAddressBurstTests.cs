using System.Net;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Proxy;

/// <summary>
/// An office behind one address (a NAT, a corporate proxy) after a deploy: many people whose
/// credentials no replica has cached yet arrive at once. Their lookups queue for the client's
/// lookup slots; none of them may be refused, although there are more of them than the address's
/// failed-credential budget (each valid lookup gives its permit back, and a client holds at most
/// its slots' worth of permits at a time).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class SharedAddressBurstTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    private const int Users = 8;
    private const int KeysPerUser = 25;

    [Fact]
    public async Task TwoHundredNewCredentialsFromOneAddressAtOnce_AllAdmitted()
    {
        var keys = new List<string>();
        for (var u = 0; u < Users; u++)
        {
            var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
            var created = await Task.WhenAll(Enumerable.Range(0, KeysPerUser).Select(async i =>
                (await AuthClients.Auth.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = login.AccessToken, Name = $"office-{i}" }, deadline: AuthClients.Deadline())).ApiKey));
            keys.AddRange(created);
        }

        Assert.True(keys.Count > 3 * GatewayAppFixture.FailedCredentialBudget, "the burst must be larger than the budget to prove anything");

        var office = IPAddress.Parse("127.0.104.1");
        var clients = Replicas.Clients.Select(c => SourceAddressClient.Create(c.BaseAddress!, office)).ToList();
        try
        {
            var statuses = await Task.WhenAll(keys.Select(async (key, i) =>
            {
                using var response = await clients[i % clients.Count].SendAsync(ProxyReplicas.Get("/api/hello", apiKey: key));
                return response.StatusCode;
            }));

            var refused = statuses.Where(s => s != HttpStatusCode.OK).GroupBy(s => s).Select(g => $"{g.Count()} × {(int)g.Key}").ToList();
            Assert.True(refused.Count == 0, $"of {keys.Count} first requests from one address: {string.Join(", ", refused)}");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}

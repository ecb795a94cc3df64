using Aspire.Hosting.Testing;

namespace Gateway.EndToEndTests.AppHost;

/// <summary>
/// <c>Infrastructure:RedisTopology=Cluster</c> where no cluster can be had stops the AppHost at
/// start-up with a message naming the fix, rather than falling back to something else than was asked.
/// </summary>
public sealed class ClusterTopologyOptionsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string[], string> Impossible() => new()
    {
        { ["--Infrastructure:Mode=Containers"], "--Infrastructure:Mode=Executables" },
        { ["--Infrastructure:Mode=Executables", "--Infrastructure:Redis=External"], "drop one of them" },
        { ["--publisher", "manifest", "--output-path", Path.Combine(Path.GetTempPath(), "gateway-unused-manifest.json")], "--Infrastructure:Redis=External" },
    };

    [Theory]
    [MemberData(nameof(Impossible))]
    public async Task ClusterWhereNoneCanRun_StartUpFails_NamingTheFix(string[] arguments, string fix)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            DistributedApplicationTestingBuilder.CreateAsync<Projects.Gateway_AppHost>(["--Infrastructure:RedisTopology=Cluster", .. arguments], cts.Token).WaitAsync(cts.Token));
        Assert.Contains("Infrastructure:RedisTopology=Cluster", error.Message, StringComparison.Ordinal);
        Assert.Contains(fix, error.Message, StringComparison.Ordinal);
    }
}

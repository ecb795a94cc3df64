using System.Text.Json;
using Gateway.Contracts.Metrics;

namespace Gateway.UnitTests.Contracts;

/// <summary>The snapshot's states travel as the words the dashboard shows, not as enum numbers.</summary>
public sealed class SnapshotJsonTests
{
    [Fact]
    public void States_AreWrittenAsWords_AndReadBack()
    {
        var snapshot = new ReplicaSnapshot
        {
            Replica = "proxy-a",
            Instance = "i1",
            StartedAt = DateTimeOffset.UnixEpoch,
            Timestamp = DateTimeOffset.UnixEpoch,
            Sequence = 1,
            Interval = TimeSpan.FromSeconds(1),
            Routes = [],
            Auth = new AuthCounters { BreakerState = BreakerState.HalfOpen },
            RateLimit = new RateLimitCounters { BreakerState = BreakerState.Open },
            Destinations = [new DestinationHealth("sampleapi", "d1", HealthState.Unhealthy)],
        };

        var json = JsonSerializer.Serialize(snapshot, SnapshotJsonContext.Default.ReplicaSnapshot);

        Assert.Contains("\"breakerState\":\"half-open\"", json, StringComparison.Ordinal);
        Assert.Contains("\"breakerState\":\"open\"", json, StringComparison.Ordinal);
        Assert.Contains("\"health\":\"unhealthy\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, SnapshotJsonContext.Default.ReplicaSnapshot)!;
        Assert.Equal((BreakerState.HalfOpen, BreakerState.Open, HealthState.Unhealthy), (back.Auth.BreakerState, back.RateLimit.BreakerState, back.Destinations[0].Health));
    }
}

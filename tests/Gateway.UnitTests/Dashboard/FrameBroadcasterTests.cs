using Gateway.Dashboard.Aggregation;
using Gateway.TestSupport;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Dashboard;

public sealed class FrameBroadcasterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task SlowViewer_LosesOldFrames_OthersGetEveryFrame_PublisherNeverWaits()
    {
        var broadcaster = new FrameBroadcaster(Options.Create(new StreamOptions { ViewerBuffer = 2 }), _time);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var slow = broadcaster.StreamAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        await using var fast = broadcaster.StreamAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        // Both viewers are connected once they have read the history event.
        Assert.True(await slow.MoveNextAsync());
        Assert.Equal("history", slow.Current.EventType);
        Assert.True(await fast.MoveNextAsync());
        Assert.Equal(2, broadcaster.Viewers);

        var received = new List<string>();
        for (var sequence = 1; sequence <= 20; sequence++)
        {
            broadcaster.Publish(Frame(sequence));
            Assert.True(await fast.MoveNextAsync());
            Assert.Equal("frame", fast.Current.EventType);
            received.Add(fast.Current.EventId!);
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received);

        // The slow viewer kept only the newest frames its buffer holds.
        Assert.True(await slow.MoveNextAsync());
        Assert.Equal("19", slow.Current.EventId);
        Assert.True(await slow.MoveNextAsync());
        Assert.Equal("20", slow.Current.EventId);
        Assert.Equal(18, broadcaster.DroppedFrames);
    }

    [Fact]
    public async Task NewViewer_GetsHistoryThenLatestFrame_AndAHeartbeatWhenNothingHappens()
    {
        var broadcaster = new FrameBroadcaster(Options.Create(new StreamOptions { HeartbeatInterval = TimeSpan.FromSeconds(5) }), _time);
        broadcaster.Publish(Frame(1));
        broadcaster.Publish(Frame(2));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var viewer = broadcaster.StreamAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await viewer.MoveNextAsync());
        Assert.Equal("history", viewer.Current.EventType);
        Assert.Equal(TimeSpan.FromSeconds(2), viewer.Current.ReconnectionInterval);
        Assert.Equal(2, System.Text.Json.JsonDocument.Parse(viewer.Current.Data).RootElement.GetArrayLength());
        Assert.True(await viewer.MoveNextAsync());
        Assert.Equal(("frame", "2"), (viewer.Current.EventType, viewer.Current.EventId));

        var next = viewer.MoveNextAsync().AsTask();
        // The heartbeat timer is registered on the fake clock once the viewer waits.
        await Poll.UntilAsync(_ => Task.FromResult(next.IsCompleted ? "done" : Advance()), TimeSpan.FromSeconds(10), "a heartbeat");
        Assert.True(await next);
        Assert.Equal("heartbeat", viewer.Current.EventType);
    }

    private string? Advance()
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        return null;
    }

    private static DashboardFrame Frame(long sequence) => new()
    {
        Sequence = sequence,
        Time = DateTimeOffset.UnixEpoch.AddSeconds(sequence),
        Traffic = new TrafficView { RequestsPerSecond = 0, Requests = 0, Rates = new Dictionary<string, double>(), Totals = new Dictionary<string, long>() },
        Latency = new LatencyView(null, null, null),
        Auth = new AuthView { CacheHitRatio = null, CacheHits = 0, CacheNegativeHits = 0, CacheMisses = 0, ServiceErrors = 0, LookupsRefusedPerSecond = 0, LookupsRefused = 0, LookupsInFlight = 0, LoginsThrottled = 0 },
        RateLimit = new RateLimitView { AllowedPerSecond = 0, RejectedPerSecond = 0, DegradedPerSecond = 0, Rejected = 0, Degraded = 0, RedisCallsPerDecision = null },
        Replicas = [],
        Services = [],
        Routes = [],
        Config = new ConfigView { ActiveVersion = 0, Converged = true, History = ConfigHistoryView.NotLoaded },
    };
}

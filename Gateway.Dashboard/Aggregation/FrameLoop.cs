using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Aggregation;

/// <summary>The one aggregation loop: a frame per interval, however many viewers are connected.</summary>
internal sealed class FrameLoop(
    ReplicaAggregator aggregator,
    ServiceHealthMonitor health,
    ConfigHistoryMonitor configHistory,
    FrameBroadcaster broadcaster,
    IOptions<AggregatorOptions> options,
    TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FrameInterval, time);
        do
        {
            var frame = aggregator.Tick(health.Current, configHistory.Current);
            broadcaster.Publish(frame);
            // The replicas tell first that a version exists (they apply it within a second or two):
            // the history monitor reads it soon after rather than at its next interval.
            configHistory.Notice(frame.Replicas);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}

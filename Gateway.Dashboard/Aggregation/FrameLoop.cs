using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Aggregation;

/// <summary>The one aggregation loop: a frame per interval, however many viewers are connected.</summary>
internal sealed class FrameLoop(
    ReplicaAggregator aggregator, ServiceHealthMonitor health, FrameBroadcaster broadcaster, IOptions<AggregatorOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FrameInterval, time);
        do
        {
            broadcaster.Publish(aggregator.Tick(health.Current));
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}

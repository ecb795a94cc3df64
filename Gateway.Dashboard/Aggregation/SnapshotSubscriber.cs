using System.Text.Json;
using Gateway.Contracts.Metrics;
using StackExchange.Redis;

namespace Gateway.Dashboard.Aggregation;

/// <summary>
/// Receives every proxy replica's snapshot from Redis pub/sub and hands it to the aggregator.
/// StackExchange.Redis restores the subscription after a reconnect; the first subscribe is
/// retried until Redis answers.
/// </summary>
internal sealed partial class SnapshotSubscriber(IConnectionMultiplexer redis, ReplicaAggregator aggregator, ILogger<SnapshotSubscriber> logger) : BackgroundService
{
    /// <summary>Snapshots larger than this are not from a well-behaved replica.</summary>
    private const int MaxSnapshotBytes = 4 * 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ReplicaSnapshot.Channel), (_, message) => Receive(message));
                return;
            }
            catch (RedisException exception)
            {
                Log.SubscribeFailed(logger, exception.Message);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    private void Receive(RedisValue message)
    {
        try
        {
            byte[]? payload = message;
            if (payload is null || payload.Length > MaxSnapshotBytes)
            {
                return;
            }

            var snapshot = JsonSerializer.Deserialize(payload, SnapshotJsonContext.Default.ReplicaSnapshot);
            if (snapshot is not null && IsPlausible(snapshot))
            {
                aggregator.Observe(snapshot);
            }
        }
        catch (JsonException exception)
        {
            Log.Malformed(logger, exception.Message);
        }
    }

    private static bool IsPlausible(ReplicaSnapshot snapshot) =>
        !string.IsNullOrWhiteSpace(snapshot.Replica) && snapshot.Replica.Length <= 200
        && snapshot.Interval > TimeSpan.Zero
        && snapshot.ConfigVersion >= 0 && snapshot.RejectedConfigVersion >= 0
        && snapshot.Routes is not null && snapshot.Routes.Count <= 1_000
        && snapshot.Routes.All(r => r.Status is not null && r.Latency is not null && r.Route is not null);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot subscribe to replica snapshots yet ({Reason}); retrying.")]
        public static partial void SubscribeFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a malformed replica snapshot: {Reason}")]
        public static partial void Malformed(ILogger logger, string reason);
    }
}

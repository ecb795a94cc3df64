using Gateway.Contracts.Invalidation;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// Listens on the auth service's invalidation channel and evicts what it names, so logout,
/// key revocation, user disable and plan changes reach every replica within milliseconds; and
/// makes sure none was missed.
/// </summary>
/// <remarks>
/// <para>Every invalidation is numbered (<see cref="AuthInvalidations"/>). Besides the messages,
/// this reads the last number from Redis every <see cref="AuthCacheOptions.SequenceCheckInterval"/>
/// (<see cref="InvalidationSequence"/>): a skipped number, a restarted numbering or a number that
/// never arrives means an invalidation was lost (a re-subscribe, a quiet broken connection), and
/// every cached answer goes. When nothing confirms the numbering for
/// <see cref="AuthCacheOptions.SequenceSilenceLimit"/> (Redis unreachable, subscription down), the
/// cache is out of step: answers live only <see cref="AuthCacheOptions.DegradedTtl"/> until it is
/// in step again. Reading the number rather than waiting for a heartbeat from the auth service
/// keeps the cache usable while the auth service itself is down (it then revokes nothing).</para>
/// <para>So a revocation this replica did not hear takes effect within the larger of two check
/// intervals and the silence limit plus the degraded TTL (3 s and 5 s by default).</para>
/// </remarks>
internal sealed partial class InvalidationSubscriber(
    IConnectionMultiplexer redis,
    AuthCache cache,
    IOptionsMonitor<AuthCacheOptions> options,
    TimeProvider timeProvider,
    ILogger<InvalidationSubscriber> logger) : BackgroundService
{
    private readonly InvalidationSequence _sequence = new();
    private long _confirmedAt = timeProvider.GetTimestamp();
    private volatile bool _subscribed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Nothing is known to be received yet.
        cache.MarkOutOfStep();
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            await SubscribeAsync(stoppingToken);
            using var timer = new PeriodicTimer(options.CurrentValue.SequenceCheckInterval, timeProvider);
            do
            {
                await CheckSequenceAsync();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionFailed -= OnConnectionFailed;
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    private async Task SubscribeAsync(CancellationToken stoppingToken)
    {
        // Retried until it works: the multiplexer reconnects by itself and re-subscribes existing
        // subscriptions, but the first subscribe needs a connection.
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(AuthInvalidations.Channel));
                queue.OnMessage(message => Apply(message.Message));
                _subscribed = true;
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.SubscribeFailed(logger, ex.Message);
                await Task.Delay(delay, timeProvider, stoppingToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    /// <summary>Reads the last number given out and acts on what it says.</summary>
    private async Task CheckSequenceAsync()
    {
        if (_subscribed)
        {
            try
            {
                var value = await redis.GetDatabase().StringGetAsync(AuthInvalidations.SequenceKey).WaitAsync(options.CurrentValue.SequenceCheckInterval);
                var current = value.IsNull ? 0 : (long)value;
                Act(_sequence.OnReading(current), current);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidCastException)
            {
                Log.SequenceUnreadable(logger, ex.Message);
            }
        }

        if (cache.InvalidationsLive && timeProvider.GetElapsedTime(Interlocked.Read(ref _confirmedAt)) > options.CurrentValue.SequenceSilenceLimit)
        {
            cache.MarkOutOfStep();
            Log.OutOfStep(logger, options.CurrentValue.SequenceSilenceLimit.TotalSeconds);
        }
    }

    internal void Apply(RedisValue message)
    {
        var invalidation = AuthInvalidations.Parse(((string?)message).AsSpan());
        if (invalidation.Sequence == 0)
        {
            Log.UnknownMessage(logger);
            return;
        }

        // The eviction first, the verdict after: a gap clears everything anyway.
        switch (invalidation.Target)
        {
            case InvalidationTarget.Credential:
                cache.Invalidate(CredentialKey.FromHash(invalidation.CredentialHash));
                break;
            case InvalidationTarget.User:
                cache.InvalidateUser(invalidation.UserId!);
                break;
            case InvalidationTarget.All:
                cache.InvalidateAll();
                break;
            default:
                Log.UnknownMessage(logger);
                break;
        }

        Act(_sequence.OnMessage(invalidation.Sequence), invalidation.Sequence);
    }

    private void Act(SequenceVerdict verdict, long sequence)
    {
        switch (verdict)
        {
            case SequenceVerdict.Gap:
                cache.InvalidateAll();
                Log.Resynchronised(logger, sequence);
                Confirm();
                break;
            case SequenceVerdict.InStep:
                Confirm();
                break;
        }
    }

    private void Confirm()
    {
        Interlocked.Exchange(ref _confirmedAt, timeProvider.GetTimestamp());
        if (!cache.InvalidationsLive && redis.IsConnected)
        {
            cache.MarkInStep();
            Log.InStep(logger, _sequence.Last);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            cache.MarkOutOfStep();
            Log.SubscriptionLost(logger, e.FailureType.ToString());
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            // Back in step only once the next reading says nothing was missed meanwhile (a reading
            // here, right beside the timer's, could take a message still on its way for a gap).
            Log.SubscriptionRestored(logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Auth invalidation subscription lost ({FailureType}); cached answers now expire quickly")]
        public static partial void SubscriptionLost(ILogger logger, string failureType);

        [LoggerMessage(Level = LogLevel.Information, Message = "Auth invalidation subscription restored; in step again once the numbering confirms nothing was missed")]
        public static partial void SubscriptionRestored(ILogger logger);

        [LoggerMessage(Level = LogLevel.Information, Message = "Auth invalidations in step at number {Sequence}")]
        public static partial void InStep(ILogger logger, long sequence);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Auth invalidations were missed (now at number {Sequence}); every cached answer was dropped")]
        public static partial void Resynchronised(ILogger logger, long sequence);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Auth invalidations unconfirmed for {Seconds} s; cached answers now expire quickly")]
        public static partial void OutOfStep(ILogger logger, double seconds);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to auth invalidations yet: {Reason}")]
        public static partial void SubscribeFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the invalidation number: {Reason}")]
        public static partial void SequenceUnreadable(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an invalidation message of unknown form")]
        public static partial void UnknownMessage(ILogger logger);
    }
}

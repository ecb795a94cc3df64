using Gateway.Contracts.Invalidation;
using StackExchange.Redis;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// Listens on the auth service's invalidation channel and evicts what it names, so logout,
/// key revocation, user disable and plan changes reach every replica within milliseconds.
/// While the subscription is down the cache shortens its TTL (see <see cref="AuthCache"/>).
/// </summary>
/// <remarks>Channel and message format are the shared contract of <see cref="AuthInvalidations"/>.</remarks>
internal sealed partial class InvalidationSubscriber(
    IConnectionMultiplexer redis,
    AuthCache cache,
    ILogger<InvalidationSubscriber> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        cache.SetInvalidationsLive(redis.IsConnected);
        try
        {
            // Retried until it works: the multiplexer reconnects by itself and re-subscribes
            // existing subscriptions, but the first subscribe needs a connection.
            var delay = TimeSpan.FromMilliseconds(200);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(AuthInvalidations.Channel));
                    queue.OnMessage(message => Apply(message.Message));
                    cache.SetInvalidationsLive(redis.IsConnected);
                    break;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    cache.SetInvalidationsLive(false);
                    Log.SubscribeFailed(logger, ex.Message);
                    await Task.Delay(delay, stoppingToken);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
                }
            }

            await Task.Delay(Timeout.Infinite, stoppingToken);
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

    internal void Apply(RedisValue message)
    {
        var invalidation = AuthInvalidations.Parse(((string?)message).AsSpan());
        switch (invalidation.Target)
        {
            case InvalidationTarget.Credential:
                cache.Invalidate(CredentialKey.FromHash(invalidation.CredentialHash));
                break;
            case InvalidationTarget.User:
                cache.InvalidateUser(invalidation.UserId!);
                break;
            default:
                Log.UnknownMessage(logger);
                break;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            cache.SetInvalidationsLive(false);
            Log.SubscriptionLost(logger, e.FailureType.ToString());
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            cache.SetInvalidationsLive(true);
            Log.SubscriptionRestored(logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Auth invalidation subscription lost ({FailureType}); cached answers now expire quickly")]
        public static partial void SubscriptionLost(ILogger logger, string failureType);

        [LoggerMessage(Level = LogLevel.Information, Message = "Auth invalidation subscription restored; cache flushed")]
        public static partial void SubscriptionRestored(ILogger logger);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to auth invalidations yet: {Reason}")]
        public static partial void SubscribeFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored an invalidation message of unknown form")]
        public static partial void UnknownMessage(ILogger logger);
    }
}

using Gateway.Contracts.Invalidation;
using StackExchange.Redis;

namespace Gateway.Auth.Invalidation;

/// <summary>
/// Tells every proxy replica to forget cached answers that just became wrong: a revoked token or
/// key (<c>cred:&lt;sha256 hex&gt;</c>) or a user whose plan or status changed (<c>user:&lt;id&gt;</c>),
/// in the shared format of <see cref="AuthInvalidations"/>.
/// </summary>
/// <remarks>
/// Best effort by design: when Redis is down the proxies have lost their subscription too and
/// fall back to a short cache TTL, so a failed publish is logged, not surfaced to the caller
/// whose write already committed.
/// </remarks>
internal sealed partial class InvalidationPublisher(IConnectionMultiplexer redis, ILogger<InvalidationPublisher> logger)
{
    public Task CredentialRevokedAsync(byte[] credentialHash) =>
        PublishAsync(AuthInvalidations.ForCredential(credentialHash));

    public Task UserChangedAsync(Guid userId) =>
        PublishAsync(AuthInvalidations.ForUser(userId));

    private async Task PublishAsync(string message)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(AuthInvalidations.Channel), message).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.PublishFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish a cache invalidation; proxies fall back to their short TTL")]
        public static partial void PublishFailed(ILogger logger, Exception exception);
    }
}

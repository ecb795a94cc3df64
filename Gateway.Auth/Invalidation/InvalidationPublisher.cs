using System.Threading.Channels;
using Gateway.Contracts.Invalidation;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Auth.Invalidation;

/// <summary>
/// Tells every proxy replica to forget cached answers that just became wrong: a revoked token or
/// key, or a user whose plan, roles or status changed, numbered and published in the format of
/// <see cref="AuthInvalidations"/>.
/// </summary>
/// <remarks>
/// <para>Nothing is dropped when Redis is away: each invalidation waits in an in-order queue and
/// is retried until Redis takes it. The caller (whose database write already committed) waits up
/// to <see cref="InvalidationOptions.PublishWait"/>, so in the normal case a revocation call
/// returns after the proxies were told.</para>
/// <para>Past <see cref="InvalidationOptions.MaxPending"/> queued, later invalidations become one
/// <c>all</c> message instead. What this queue cannot survive is this process dying with
/// invalidations still in it: they then take effect when the proxies' cached answers expire
/// (<c>Gateway:AuthCache:PositiveTtl</c>, 5 minutes).</para>
/// </remarks>
internal sealed partial class InvalidationPublisher : BackgroundService
{
    private static readonly string Script = EmbeddedScripts.Load("Gateway.Auth.Invalidation.Scripts.publish_invalidation.lua");

    private readonly IConnectionMultiplexer _redis;
    private readonly IOptionsMonitor<InvalidationOptions> _options;
    private readonly ILogger<InvalidationPublisher> _logger;
    private readonly Channel<QueuedInvalidation> _queue = Channel.CreateUnbounded<QueuedInvalidation>(new UnboundedChannelOptions { SingleReader = true });
    private int _pending;
    private int _overflowed;
    private long _published;
    private long _retries;

    public InvalidationPublisher(IConnectionMultiplexer redis, IOptionsMonitor<InvalidationOptions> options, ILogger<InvalidationPublisher> logger)
    {
        _redis = redis;
        _options = options;
        _logger = logger;
    }

    /// <summary>Invalidations queued and not yet published.</summary>
    public int Queued => Volatile.Read(ref _pending);

    /// <summary>Invalidations published since start.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Publish attempts that failed and were tried again.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    public Task CredentialRevokedAsync(byte[] credentialHash) =>
        EnqueueAsync(AuthInvalidations.ForCredential(credentialHash));

    public Task UserChangedAsync(Guid userId) =>
        EnqueueAsync(AuthInvalidations.ForUser(userId));

    private async Task EnqueueAsync(string body)
    {
        if (Interlocked.Increment(ref _pending) > _options.CurrentValue.MaxPending)
        {
            Interlocked.Decrement(ref _pending);
            if (Interlocked.Exchange(ref _overflowed, 1) == 0)
            {
                Log.Overflowed(_logger, _options.CurrentValue.MaxPending);
            }

            return;
        }

        var pending = new QueuedInvalidation(body);
        _queue.Writer.TryWrite(pending);
        try
        {
            await pending.Published.Task.WaitAsync(_options.CurrentValue.PublishWait);
        }
        catch (TimeoutException)
        {
            Log.StillQueued(_logger, Queued);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_queue.Reader.TryRead(out var next))
                {
                    await PublishUntilTakenAsync(next.Body, stoppingToken);
                    Interlocked.Decrement(ref _pending);
                    next.Published.TrySetResult();

                    // The overflow message goes out once the queue has room again, after what was
                    // queued before it: everything from then on is covered by "forget everything".
                    if (Volatile.Read(ref _overflowed) == 1 && Interlocked.Exchange(ref _overflowed, 0) == 1)
                    {
                        await PublishUntilTakenAsync(AuthInvalidations.ForAll(), stoppingToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            if (Queued > 0)
            {
                Log.LostOnShutdown(_logger, Queued);
            }
        }
    }

    private async Task PublishUntilTakenAsync(string body, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                await _redis.GetDatabase().ScriptEvaluateAsync(
                    Script,
                    [AuthInvalidations.SequenceKey],
                    [AuthInvalidations.Channel, body]).WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
                Interlocked.Increment(ref _published);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Interlocked.Increment(ref _retries);
                Log.PublishFailed(_logger, delay.TotalMilliseconds, ex.Message);
                await Task.Delay(delay, stoppingToken);
                var max = _options.CurrentValue.MaxRetryDelay;
                delay = delay * 2 > max ? max : delay * 2;
            }
        }
    }

    private sealed class QueuedInvalidation(string body)
    {
        public string Body { get; } = body;

        public TaskCompletionSource Published { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish a cache invalidation ({Reason}); trying again in {DelayMs} ms")]
        public static partial void PublishFailed(ILogger logger, double delayMs, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "A cache invalidation is not published yet ({Pending} queued); it stays queued until Redis takes it")]
        public static partial void StillQueued(ILogger logger, int pending);

        [LoggerMessage(Level = LogLevel.Error, Message = "More than {MaxPending} cache invalidations are queued; the next ones become one 'forget everything' message")]
        public static partial void Overflowed(ILogger logger, int maxPending);

        [LoggerMessage(Level = LogLevel.Error, Message = "Stopping with {Pending} cache invalidations unpublished; proxies drop those answers when they expire")]
        public static partial void LostOnShutdown(ILogger logger, int pending);
    }
}

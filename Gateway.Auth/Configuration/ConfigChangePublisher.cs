using System.Threading.Channels;
using Gateway.Contracts.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Auth.Configuration;

/// <summary>
/// Announces stored configuration versions on <see cref="ConfigChanges.Channel"/>, in the
/// background: a change never waits for Redis, and never fails because of it.
/// </summary>
/// <remarks>
/// Unlike cache invalidations (<see cref="Invalidation.InvalidationPublisher"/>), where every
/// message matters, only the newest number does: a proxy that hears "7" loads version 7, whatever
/// it missed before. So there is no queue, just the newest version announced and not yet sent; a
/// newer one replaces it, also while it is being retried. Retries stop after
/// <see cref="ConfigChangeOptions.RetryFor"/> (counted in <see cref="Dropped"/>): proxies poll the
/// active version, so a dropped notice delays a change by their poll interval, nothing more.
/// </remarks>
internal sealed partial class ConfigChangePublisher(
    IConnectionMultiplexer redis,
    IOptionsMonitor<ConfigChangeOptions> options,
    TimeProvider time,
    ILogger<ConfigChangePublisher> logger) : BackgroundService
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private long _latest;

    // Written by the publishing loop alone.
    private long _handled;

    private long _published;
    private long _failures;
    private long _dropped;

    /// <summary>Notices Redis took.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Attempts that failed (each retried or, past the retry window, dropped).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Notices given up on after <see cref="ConfigChangeOptions.RetryFor"/>.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Schedules a notice of <paramref name="version"/>; returns at once.</summary>
    public void Announce(long version)
    {
        var seen = Volatile.Read(ref _latest);
        while (version > seen)
        {
            var previous = Interlocked.CompareExchange(ref _latest, version, seen);
            if (previous == seen)
            {
                break;
            }

            seen = previous;
        }

        _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                _wake.Reader.TryRead(out _);
                await PublishNewestAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // A notice still unsent is the proxies' poll's to find.
        }
    }

    private async Task PublishNewestAsync(CancellationToken stoppingToken)
    {
        long attempting = 0;
        var giveUpAt = DateTimeOffset.MinValue;
        var delay = FirstRetryDelay;
        while (Volatile.Read(ref _latest) is var version && version > _handled)
        {
            if (version != attempting)
            {
                // A newer version gets a retry window of its own.
                attempting = version;
                giveUpAt = time.GetUtcNow() + options.CurrentValue.RetryFor;
                delay = FirstRetryDelay;
            }

            try
            {
                await redis.GetSubscriber()
                    .PublishAsync(RedisChannel.Literal(ConfigChanges.Channel), ConfigChanges.Message(version))
                    .WaitAsync(AttemptTimeout, stoppingToken);
                _handled = version;
                Interlocked.Increment(ref _published);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Interlocked.Increment(ref _failures);
                if (time.GetUtcNow() + delay > giveUpAt)
                {
                    _handled = version;
                    Interlocked.Increment(ref _dropped);
                    Log.Dropped(logger, version, options.CurrentValue.RetryFor, ex.Message);
                    return;
                }

                Log.PublishFailed(logger, version, delay.TotalMilliseconds, ex.Message);
                await Task.Delay(delay, time, stoppingToken);
                var max = options.CurrentValue.MaxRetryDelay;
                delay = delay * 2 > max ? max : delay * 2;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce configuration version {Version} ({Reason}); trying again in {DelayMs} ms")]
        public static partial void PublishFailed(ILogger logger, long version, double delayMs, string reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "Gave up announcing configuration version {Version} after {RetryFor} ({Reason}); proxies find it when they poll the active version")]
        public static partial void Dropped(ILogger logger, long version, TimeSpan retryFor, string reason);
    }
}

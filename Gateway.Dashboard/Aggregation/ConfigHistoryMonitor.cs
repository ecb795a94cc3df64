using Gateway.Auth.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Aggregation;

/// <summary>
/// Reads the newest stored configuration versions from the auth service's
/// <c>ConfigService.ListConfigVersions</c>, off the frame loop (a slow auth service never delays a
/// frame): every <see cref="ConfigHistoryOptions.RefreshInterval"/>, and soon after a replica
/// reports a version (served or refused) newer than the history's newest, so a change shows up in
/// the history about when the replicas apply it. A failed read keeps the last history, marked stale.
/// </summary>
internal sealed partial class ConfigHistoryMonitor(
    ConfigService.ConfigServiceClient client,
    IOptions<ConfigHistoryOptions> options,
    TimeProvider time,
    ILogger<ConfigHistoryMonitor> logger) : BackgroundService
{
    /// <summary>How often a refresh is considered: a frame's worth, so a newer version is noticed within about a second.</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private ConfigHistoryView _current = ConfigHistoryView.NotLoaded;
    private long _reported;
    private long _readAfterReported;
    private DateTimeOffset? _lastAttempt;

    public ConfigHistoryView Current => Volatile.Read(ref _current);

    /// <summary>Called by the frame loop with each frame's replicas: the newest version any of them serves or refused.</summary>
    public void Notice(IReadOnlyList<ReplicaView> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var newest = 0L;
        foreach (var replica in replicas)
        {
            newest = Math.Max(newest, Math.Max(replica.ConfigVersion, replica.RejectedConfigVersion));
        }

        lock (_gate)
        {
            _reported = Math.Max(_reported, newest);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        do
        {
            await RefreshIfDueAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One check of the loop: reads the history if a read is due. True when it read (or tried to).</summary>
    internal async Task<bool> RefreshIfDueAsync(CancellationToken cancellationToken)
    {
        long reported;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (!IsDue(now))
            {
                return false;
            }

            _lastAttempt = now;
            reported = _reported;
        }

        var settings = options.Value;
        var previous = Current;
        try
        {
            // gRPC measures deadlines on the real clock, whatever TimeProvider the dashboard runs on.
            var response = await client.ListConfigVersionsAsync(
                new ListConfigVersionsRequest { Limit = settings.Limit },
                deadline: DateTime.UtcNow + settings.CallDeadline,
                cancellationToken: cancellationToken);
            // Newest first and at most the limit whatever the answer holds: the frame carries it every second.
            var versions = response.Versions
                .Select(v => new ConfigVersionView(v.Version, v.Author, v.CreatedAt?.ToDateTimeOffset(), v.Summary, v.RestoredFrom))
                .OrderByDescending(v => v.Version)
                .Take(settings.Limit)
                .ToList();
            Volatile.Write(ref _current, ConfigHistoryView.Loaded(versions, time.GetUtcNow()));
            lock (_gate)
            {
                _readAfterReported = Math.Max(_readAfterReported, reported);
            }

            if (previous.Stale)
            {
                Log.Recovered(logger);
            }
        }
        catch (RpcException exception) when (!cancellationToken.IsCancellationRequested)
        {
            Volatile.Write(ref _current, previous.Failed(Describe(exception.StatusCode)));
            if (previous.Stale)
            {
                Log.StillUnavailable(logger, exception.StatusCode);
            }
            else
            {
                Log.Unavailable(logger, exception.StatusCode);
            }
        }

        return true;
    }

    /// <summary>
    /// Due at first, every refresh interval, and after the short gap when a replica reported a
    /// version the history lacks, unless a read that succeeded after that report still lacked it
    /// (then asking again at once cannot help: it waits for the interval).
    /// </summary>
    private bool IsDue(DateTimeOffset now)
    {
        if (_lastAttempt is not { } last)
        {
            return true;
        }

        var settings = options.Value;
        var since = now - last;
        if (since >= settings.RefreshInterval)
        {
            return true;
        }

        return since >= settings.MinRefreshGap && _reported > Current.NewestVersion && _reported > _readAfterReported;
    }

    private static string Describe(StatusCode status) => status switch
    {
        StatusCode.DeadlineExceeded => "the auth service did not answer in time",
        StatusCode.Unavailable => "the auth service is unreachable",
        StatusCode.Unimplemented => "the auth service does not offer the configuration history",
        _ => $"the auth service answered {status}",
    };

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "The configuration history could not be read from the auth service ({Status}); the page shows the last one, marked stale.")]
        public static partial void Unavailable(ILogger logger, StatusCode status);

        [LoggerMessage(Level = LogLevel.Debug, Message = "The configuration history still cannot be read ({Status}).")]
        public static partial void StillUnavailable(ILogger logger, StatusCode status);

        [LoggerMessage(Level = LogLevel.Information, Message = "The configuration history is read from the auth service again.")]
        public static partial void Recovered(ILogger logger);
    }
}

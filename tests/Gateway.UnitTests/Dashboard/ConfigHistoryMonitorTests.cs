using System.ComponentModel.DataAnnotations;
using Gateway.Dashboard.Aggregation;
using Gateway.TestSupport;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Dashboard;

/// <summary>
/// When the dashboard reads the configuration history: at once, every refresh interval, and soon
/// after a replica reports a version the history lacks; and what a failing auth service leaves.
/// </summary>
public sealed class ConfigHistoryMonitorTests
{
    private static readonly ConfigHistoryOptions Settings = new()
    {
        Limit = 10,
        RefreshInterval = TimeSpan.FromSeconds(30),
        MinRefreshGap = TimeSpan.FromSeconds(2),
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeConfigService _auth = new();
    private readonly ConfigHistoryMonitor _monitor;

    public ConfigHistoryMonitorTests() =>
        _monitor = new ConfigHistoryMonitor(_auth.Client, Options.Create(Settings), _time, NullLogger<ConfigHistoryMonitor>.Instance);

    [Fact]
    public async Task RefreshIfDue_FirstCheck_ReadsTheLimit_NewestFirst_WithAuthorTimeSummaryAndRollback()
    {
        for (var version = 1; version <= 12; version++)
        {
            _auth.Store(version, author: version == 1 ? "bootstrap" : "admin", summary: $"change {version}", restoredFrom: version == 12 ? 9 : 0);
        }

        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));

        Assert.Equal(10, Assert.Single(_auth.Requests).Limit);
        var history = _monitor.Current;
        Assert.Equal((false, (string?)null, _time.GetUtcNow()), (history.Stale, history.Error, history.UpdatedAt));
        Assert.Equal(Enumerable.Range(3, 10).Reverse().Select(v => (long)v), history.Versions.Select(v => v.Version));
        Assert.Equal(12, history.NewestVersion);
        var newest = history.Versions[0];
        Assert.Equal(("admin", "change 12", 9L), (newest.Author, newest.Summary, newest.RestoredFrom));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 12, 0, TimeSpan.Zero), newest.CreatedAt);
    }

    [Fact]
    public async Task RefreshIfDue_NoNewerVersionReported_ReadsAgainOnlyAfterTheInterval()
    {
        _auth.Store(1);
        await _monitor.RefreshIfDueAsync(CancellationToken.None);
        _monitor.Notice([Replica(configVersion: 1)]);

        _time.Advance(Settings.RefreshInterval - TimeSpan.FromSeconds(1));
        Assert.False(await _monitor.RefreshIfDueAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));

        Assert.Equal(2, _auth.Requests.Count);
    }

    [Fact]
    public async Task RefreshIfDue_ReplicaServesANewerVersion_ReadSoonAfter_NotBeforeTheGap()
    {
        _auth.Store(1);
        await _monitor.RefreshIfDueAsync(CancellationToken.None);

        // An admin stores version 2; a replica applies it and says so in its snapshot.
        _auth.Store(2, summary: "rate limit raised");
        _monitor.Notice([Replica(configVersion: 1), Replica(configVersion: 2)]);
        _time.Advance(Settings.MinRefreshGap - TimeSpan.FromMilliseconds(100));
        Assert.False(await _monitor.RefreshIfDueAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));

        Assert.Equal(2, _monitor.Current.NewestVersion);
        Assert.Equal("rate limit raised", _monitor.Current.Versions[0].Summary);
        // Known now: no further read until the interval.
        _time.Advance(Settings.MinRefreshGap);
        Assert.False(await _monitor.RefreshIfDueAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RefreshIfDue_ReplicaRefusedANewerVersion_AlsoReadSoonAfter()
    {
        _auth.Store(1);
        await _monitor.RefreshIfDueAsync(CancellationToken.None);

        _auth.Store(2, summary: "broken route");
        _monitor.Notice([Replica(configVersion: 1, rejectedConfigVersion: 2)]);
        _time.Advance(Settings.MinRefreshGap);

        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));
        Assert.Equal(2, _monitor.Current.NewestVersion);
    }

    [Fact]
    public async Task RefreshIfDue_ReadStillLacksTheReportedVersion_NotAskedAgainUntilTheInterval()
    {
        _auth.Store(1);
        await _monitor.RefreshIfDueAsync(CancellationToken.None);

        // A replica reports a version the auth service does not list (it answers what it has).
        _monitor.Notice([Replica(configVersion: 5)]);
        _time.Advance(Settings.MinRefreshGap);
        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));
        Assert.Equal(1, _monitor.Current.NewestVersion);

        for (var i = 0; i < 10; i++)
        {
            _time.Advance(Settings.MinRefreshGap);
            Assert.False(await _monitor.RefreshIfDueAsync(CancellationToken.None));
        }

        Assert.Equal(2, _auth.Requests.Count);
    }

    [Fact]
    public async Task RefreshIfDue_AuthServiceFails_KeepsTheLastHistoryMarkedStale_RetriesAfterTheGap_ThenFreshAgain()
    {
        _auth.Store(1);
        _auth.Store(2);
        await _monitor.RefreshIfDueAsync(CancellationToken.None);
        var readAt = _monitor.Current.UpdatedAt;

        _auth.Failure = StatusCode.Unavailable;
        _auth.Store(3);
        _monitor.Notice([Replica(configVersion: 3)]);
        _time.Advance(Settings.MinRefreshGap);
        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));

        var stale = _monitor.Current;
        Assert.True(stale.Stale);
        Assert.Equal("the auth service is unreachable", stale.Error);
        Assert.Equal(readAt, stale.UpdatedAt);
        Assert.Equal([2L, 1L], stale.Versions.Select(v => v.Version));

        // Still failing: tried again after the gap (version 3 is still missing), not every check.
        Assert.False(await _monitor.RefreshIfDueAsync(CancellationToken.None));
        _time.Advance(Settings.MinRefreshGap);
        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));
        Assert.True(_monitor.Current.Stale);

        _auth.Failure = null;
        _time.Advance(Settings.MinRefreshGap);
        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));
        var fresh = _monitor.Current;
        Assert.Equal((false, (string?)null, _time.GetUtcNow()), (fresh.Stale, fresh.Error, fresh.UpdatedAt));
        Assert.Equal([3L, 2L, 1L], fresh.Versions.Select(v => v.Version));
    }

    [Fact]
    public async Task RefreshIfDue_FailsBeforeAnyRead_NoVersions_StaleWithTheReason()
    {
        _auth.Failure = StatusCode.Unimplemented;

        Assert.True(await _monitor.RefreshIfDueAsync(CancellationToken.None));

        var history = _monitor.Current;
        Assert.Empty(history.Versions);
        Assert.Equal((true, (DateTimeOffset?)null), (history.Stale, history.UpdatedAt));
        Assert.Equal("the auth service does not offer the configuration history", history.Error);
    }

    [Fact]
    public async Task Running_ReplicaReportsANewVersion_HistoryHasItLongBeforeTheInterval()
    {
        _auth.Store(1);
        await _monitor.StartAsync(CancellationToken.None);
        try
        {
            await Poll.UntilAsync(_ => Task.FromResult(_monitor.Current.UpdatedAt is null ? null : "read"), TimeSpan.FromSeconds(10), "the first read");

            _auth.Store(2);
            _monitor.Notice([Replica(configVersion: 2)]);
            var started = _time.GetUtcNow();
            // The loop checks once a simulated second; the clock only moves when the test moves it.
            await Poll.UntilAsync(
                _ =>
                {
                    if (_monitor.Current.NewestVersion == 2)
                    {
                        return Task.FromResult<string?>("read");
                    }

                    _time.Advance(TimeSpan.FromSeconds(1));
                    return Task.FromResult<string?>(null);
                },
                TimeSpan.FromSeconds(10),
                "version 2 in the history");

            Assert.True(_time.GetUtcNow() - started < Settings.RefreshInterval, $"read after {_time.GetUtcNow() - started} of simulated time");
        }
        finally
        {
            await _monitor.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Options_GapLongerThanTheInterval_Invalid_DefaultsValid()
    {
        var options = new ConfigHistoryOptions { RefreshInterval = TimeSpan.FromSeconds(5), MinRefreshGap = TimeSpan.FromSeconds(10) };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(nameof(ConfigHistoryOptions.MinRefreshGap), Assert.Single(results).MemberNames);
        var defaults = new ConfigHistoryOptions();
        Assert.True(Validator.TryValidateObject(defaults, new ValidationContext(defaults), [], validateAllProperties: true));
    }

    private static ReplicaView Replica(long configVersion, long rejectedConfigVersion = 0) => new()
    {
        Name = "proxy-" + configVersion,
        State = ReplicaStatus.Live,
        Detail = "reporting",
        SecondsSinceLastSnapshot = 0,
        RequestsPerSecond = 0,
        StartedAt = DateTimeOffset.UnixEpoch,
        AuthBreaker = Gateway.Contracts.Metrics.BreakerState.Closed,
        RateLimitBreaker = Gateway.Contracts.Metrics.BreakerState.Closed,
        ConfigVersion = configVersion,
        RejectedConfigVersion = rejectedConfigVersion,
        ConfigError = rejectedConfigVersion == 0 ? null : "refused",
    };
}

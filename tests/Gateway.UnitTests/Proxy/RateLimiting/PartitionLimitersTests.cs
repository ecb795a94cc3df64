using System.Threading.RateLimiting;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Proxy.RateLimiting;

/// <summary>
/// Each partition keeps one limiter for as long as its window could still hold counts: ASP.NET's
/// partitioned limiter dropped any idle for 10 s, so a key sending a request every half minute
/// started from nothing on almost every request.
/// </summary>
public sealed class PartitionLimitersTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _services;
    private readonly PartitionLimiters _limiters;
    private int _created;

    public PartitionLimitersTests()
    {
        _services = new ServiceCollection().AddMetrics().AddSingleton<ProxyMetrics>().BuildServiceProvider();
        _limiters = new PartitionLimiters(_ => { Interlocked.Increment(ref _created); return new IdleLimiter(_time); }, _time, _services.GetRequiredService<ProxyMetrics>());
    }

    public async ValueTask DisposeAsync()
    {
        _limiters.Dispose();
        await _services.DisposeAsync();
    }

    [Fact]
    public void OneLimiterPerPartition_KeptWhileItsWindowCouldHoldCounts()
    {
        var minute = Key("tenant-1", windowSeconds: 60);
        var first = _limiters.Get(minute);
        Assert.Same(first, _limiters.Get(minute));
        Assert.NotSame(first, _limiters.Get(Key("tenant-2", windowSeconds: 60)));

        // Idle for half its window (ASP.NET's partitioned limiter forgot it after 10 s): kept.
        _time.Advance(TimeSpan.FromSeconds(30));
        _limiters.Sweep();
        Assert.Same(first, _limiters.Get(minute));
        Assert.Equal(2, _created);

        // Idle for longer than its window: forgotten, a new one next time.
        _time.Advance(TimeSpan.FromSeconds(31));
        _limiters.Sweep();
        Assert.Equal(0, _limiters.Count);
        Assert.NotSame(first, _limiters.Get(minute));
    }

    [Fact]
    public void ShortWindows_KeptAtLeastTheSweepInterval_LimitersInUseNeverDropped()
    {
        var second = Key("tenant-3", windowSeconds: 1);
        var busy = Key("tenant-4", windowSeconds: 1);
        var idle = _limiters.Get(second);
        var used = (IdleLimiter)_limiters.Get(busy);

        _time.Advance(TimeSpan.FromSeconds(5));
        used.Touch();
        _limiters.Sweep();
        Assert.Same(idle, _limiters.Get(second));

        _time.Advance(TimeSpan.FromSeconds(6));
        used.Touch();
        _limiters.Sweep();
        Assert.Equal(1, _limiters.Count);
        Assert.Same(used, _limiters.Get(busy));
    }

    [Fact]
    public void TooManyPartitions_EveryLimiterIdleForAnIntervalIsForgotten()
    {
        using var crowded = new PartitionLimiters(_ => new IdleLimiter(_time), _time, _services.GetRequiredService<ProxyMetrics>()) { MaxPartitions = 2 };
        for (var i = 0; i < 3; i++)
        {
            crowded.Get(Key($"address-{i}", windowSeconds: 3600));
        }

        _time.Advance(TimeSpan.FromSeconds(11));
        crowded.Sweep();
        Assert.Equal(0, crowded.Count);
    }

    [Fact]
    public void ThePolicyLimiter_DecidesWithTheLimiterItWasHanded_Once()
    {
        var limiter = new IdleLimiter(_time);
        LimitedRequest.Set(new Microsoft.AspNetCore.Http.DefaultHttpContext(), limiter);
        using (var lease = PolicyLimiter.Instance.AttemptAcquire())
        {
            Assert.True(lease.IsAcquired);
        }

        Assert.Equal(1, limiter.Acquired);
        Assert.NotNull(LimitedRequest.Take());
        Assert.Null(PolicyLimiter.Instance.IdleDuration);
        // Nothing handed over (a limiter run without its partition callback) is a bug, not "allowed".
        Assert.Throws<InvalidOperationException>(() => PolicyLimiter.Instance.AttemptAcquire());
    }

    private static PartitionKey Key(string id, int windowSeconds) =>
        new("per-credential", id, 100, windowSeconds, RateLimitMode.Approximate, RateLimitFailMode.Local);

    /// <summary>Idle since its creation or last <see cref="Touch"/>; admits everything.</summary>
    private sealed class IdleLimiter(TimeProvider time) : RateLimiter
    {
        private long _lastUsed = time.GetTimestamp();

        public int Acquired { get; private set; }

        public override TimeSpan? IdleDuration => time.GetElapsedTime(_lastUsed);

        public void Touch() => _lastUsed = time.GetTimestamp();

        public override RateLimiterStatistics? GetStatistics() => null;

        protected override RateLimitLease AttemptAcquireCore(int permitCount)
        {
            Acquired++;
            return GatewayRateLimitLease.Acquired;
        }

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            ValueTask.FromResult(AttemptAcquireCore(permitCount));
    }
}

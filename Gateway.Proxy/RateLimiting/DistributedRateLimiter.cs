using System.Globalization;
using System.Threading.RateLimiting;
using Gateway.Contracts.Redis;
using Gateway.Proxy.Telemetry;
using StackExchange.Redis;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// A <see cref="RateLimiter"/> for one key of one policy (ASP.NET's partitioned limiter keeps one
/// per active key), deciding against Redis so the limit holds across every replica.
/// <list type="bullet">
/// <item>Keys known to be over the limit are refused locally until Redis said they may retry
/// (as Envoy's ratelimit does): floods cost no round trips.</item>
/// <item>Batched mode spends locally a slice of quota reserved atomically in Redis; the slice
/// expires with its window, so the global count never exceeds the limit. Slices are sized to the
/// key's recent traffic (about <see cref="RateLimitSpec.SliceTarget"/> of it, up to the cap), so
/// a hot key costs a few round trips per second whatever its rate and a quiet key holds almost
/// nothing back. The next slice is reserved in the background when a quarter of the current one
/// is left, so requests of a busy key do not queue behind the round trip.</item>
/// <item>Approximate mode admits against the shared count of the last sync plus this replica's
/// admissions since, and leaves Redis to <see cref="RateLimitSync"/>, which carries the
/// admissions of every key with traffic in one call per tick.</item>
/// <item>When Redis cannot answer, the policy's fail mode decides.</item>
/// </list>
/// The allowed fast paths are a clock read and an Interlocked operation: no lock, no allocation.
/// </summary>
internal sealed class DistributedRateLimiter : RateLimiter
{
    private readonly RateLimitSpec _spec;
    private readonly RedisKey _redisKey;
    private readonly RedisRateLimitStore _store;
    private readonly TimeProvider _time;
    private readonly ProxyMetrics _metrics;
    private readonly RateLimitDecisions _decisions;
    private readonly Lock _refillLock = new();

    private long _blockedUntil;
    private long _sliceExpires;
    private int _sliceTokens;
    private int _remaining;
    private long _resetAt;
    private long _lastUsed;
    private Task? _refill;
    private long _lastGrantAt;
    private int _tokensAfterGrant;
    private int _lastSliceSize = 1;
    private SlidingWindowRateLimiter? _fallback;

    // Approximate mode: the shared count at the last sync, admissions carried by a sync that has not
    // answered yet, admissions (minus refunds) since; queued: 1 while waiting for the next tick.
    private readonly RateLimitSync? _sync;
    private int _used;
    private int _unconfirmed;
    private int _pending;
    private int _queued;
    private volatile bool _syncFailing;

    public DistributedRateLimiter(RateLimitSpec spec, RedisRateLimitStore store, TimeProvider time, ProxyMetrics metrics, RateLimitSync? sync = null)
    {
        if (spec.Mode == RateLimitMode.Approximate && sync is null)
        {
            throw new ArgumentException("Approximate mode needs the sync service.", nameof(sync));
        }

        _spec = spec;
        _store = store;
        _time = time;
        _metrics = metrics;
        _decisions = metrics.DecisionsFor(spec.Policy);
        _sync = sync;

        // A hash tag keeps every key of a limit on one Redis Cluster slot.
        var name = $"{RedisKeys.RateLimitPrefix}{spec.Policy}:{spec.Key}}}";
        _redisKey = name;
        RedisKeyName = name;
        PolicyHeader = $"\"{spec.Policy}\";q={spec.Limit};w={spec.WindowSeconds}";
        LimitHeader = spec.Limit.ToString(CultureInfo.InvariantCulture);
        _lastUsed = time.GetTimestamp();
        _remaining = spec.Limit;
    }

    public RateLimitSpec Spec => _spec;

    public RedisKey RedisKey => _redisKey;

    /// <summary><see cref="RedisKey"/> as a script argument (approximate mode's sync names its keys in ARGV).</summary>
    public RedisValue RedisKeyName { get; }

    /// <summary><c>RateLimit-Policy</c> value (IETF httpapi draft), fixed per limiter.</summary>
    public string PolicyHeader { get; }

    public string LimitHeader { get; }

    public override TimeSpan? IdleDuration => _time.GetElapsedTime(Volatile.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    /// <summary>Seconds until the current window ends (when remaining starts to recover).</summary>
    /// <remarks>
    /// Before Redis has answered for this key (approximate mode admits before its first sync) the
    /// window's end is not known: the window's length is the honest upper bound, not 0.
    /// </remarks>
    public int ResetSeconds(long now) => Volatile.Read(ref _resetAt) is var resetAt and > 0
        ? (int)Math.Max(0, Math.Ceiling(ToTimeSpan(resetAt - now).TotalSeconds))
        : _spec.WindowSeconds;

    public int Remaining => Math.Max(0, Volatile.Read(ref _remaining));

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        // Synchronous callers only get the local answers; the ASP.NET middleware uses AcquireAsync.
        var request = LimitedRequest.Take();
        var now = _time.GetTimestamp();
        Volatile.Write(ref _lastUsed, now);
        if (now < Volatile.Read(ref _blockedUntil))
        {
            return RejectLocally(now);
        }

        // RateLimiter's convention: zero permits asks whether the limiter is exhausted, taking
        // nothing. Known here only as "Redis said not before then" (a slice may be empty meanwhile).
        if (permitCount == 0)
        {
            return _spec.Mode == RateLimitMode.Approximate && !_syncFailing && LocalCount(0) >= _spec.Limit
                ? GatewayRateLimitLease.Rejected(this, TimeSpan.FromSeconds(1))
                : GatewayRateLimitLease.Acquired;
        }

        return _spec.Mode switch
        {
            RateLimitMode.Approximate => AcquireApproximate(now, request),
            RateLimitMode.Batched when TryTakeFromSlice(now) => Allow(now, request),
            _ => GatewayRateLimitLease.Rejected(this, TimeSpan.FromSeconds(1)),
        };
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var request = LimitedRequest.Take();
        var now = _time.GetTimestamp();
        Volatile.Write(ref _lastUsed, now);

        if (now < Volatile.Read(ref _blockedUntil))
        {
            return ValueTask.FromResult<RateLimitLease>(RejectLocally(now));
        }

        if (_spec.Mode == RateLimitMode.Approximate)
        {
            return ValueTask.FromResult(AcquireApproximate(now, request));
        }

        if (_spec.Mode == RateLimitMode.Batched && TryTakeFromSlice(now))
        {
            _decisions.Count(RateLimitOutcome.AllowedFromSlice);
            PrefetchIfLow();
            return ValueTask.FromResult<RateLimitLease>(Allow(now, request));
        }

        return _spec.Mode == RateLimitMode.Batched ? AcquireBatchedAsync(request) : AcquireStrictAsync(request);
    }

    /// <summary>
    /// Approximate mode: admit while the shared count of the last sync plus what this replica
    /// admitted since stays within the limit. No await, no lock: an Interlocked increment, and a
    /// queue entry when the key is not queued for the next tick yet.
    /// </summary>
    private RateLimitLease AcquireApproximate(long now, HttpContext? request)
    {
        if (_syncFailing)
        {
            // Keep asking (the next tick is the probe); meanwhile the policy's fail mode decides.
            QueueSync();
            return FailMode();
        }

        var admitted = Interlocked.Increment(ref _pending);
        if (Volatile.Read(ref _used) + Volatile.Read(ref _unconfirmed) + admitted > _spec.Limit)
        {
            Interlocked.Decrement(ref _pending);
            // Full by this replica's own count: the next tick brings the shared one (which may have
            // decayed), and with it the Retry-After Redis computes.
            QueueSync();
            _decisions.Count(RateLimitOutcome.RejectedLocally);
            return GatewayRateLimitLease.Rejected(this, TimeSpan.FromSeconds(1));
        }

        QueueSync();
        _decisions.Count(RateLimitOutcome.AllowedLocally);
        return Allow(now, request);
    }

    private int LocalCount(int extra) => Volatile.Read(ref _used) + Volatile.Read(ref _unconfirmed) + Volatile.Read(ref _pending) + extra;

    private void QueueSync()
    {
        if (Volatile.Read(ref _queued) == 0 && Interlocked.Exchange(ref _queued, 1) == 0)
        {
            _sync!.Enqueue(this);
        }
    }

    /// <summary>Taken off the queue by a tick: hands over the admissions since the last one.</summary>
    internal SyncEntry BeginSync()
    {
        // Dequeued first: a request admitted from here on queues the key for the next tick.
        Volatile.Write(ref _queued, 0);
        var delta = Interlocked.Exchange(ref _pending, 0);
        Interlocked.Add(ref _unconfirmed, delta);
        return new SyncEntry(this, delta);
    }

    /// <summary>Redis counted <paramref name="delta"/>: the shared count now includes them.</summary>
    internal void Synced(int delta, long used, long retryAfterMicroseconds, long resetMicroseconds, long now)
    {
        // Count first, then stop counting the delta as unconfirmed: in between it counts twice
        // (refuses a little early), never zero times (would admit over the limit).
        Volatile.Write(ref _used, (int)Math.Min(used, int.MaxValue));
        Interlocked.Add(ref _unconfirmed, -delta);
        _syncFailing = false;
        Volatile.Write(ref _remaining, (int)Math.Max(0, _spec.Limit - used));
        Volatile.Write(ref _resetAt, now + ToTimestamp(TimeSpan.FromMicroseconds(resetMicroseconds)));
        if (retryAfterMicroseconds > 0)
        {
            Volatile.Write(ref _blockedUntil, now + ToTimestamp(TimeSpan.FromMicroseconds(retryAfterMicroseconds)));
        }
    }

    /// <summary>Redis did not answer: the admissions wait for the next tick; the fail mode decides until one succeeds.</summary>
    internal void SyncFailed(int delta)
    {
        Interlocked.Add(ref _pending, delta);
        Interlocked.Add(ref _unconfirmed, -delta);
        _syncFailing = true;
        QueueSync();
    }

    private async ValueTask<RateLimitLease> AcquireStrictAsync(HttpContext? request)
    {
        var decision = await _store.TryAcquireAsync(_redisKey, _spec.Limit, _spec.WindowSeconds, 1);
        var now = _time.GetTimestamp();
        if (decision is not { } answer)
        {
            return FailMode();
        }

        Record(answer, now);
        if (answer.Granted > 0)
        {
            _decisions.Count(RateLimitOutcome.Allowed);
            return Allow(now, request);
        }

        _decisions.Count(RateLimitOutcome.Rejected);
        return GatewayRateLimitLease.Rejected(this, answer.RetryAfter);
    }

    private async ValueTask<RateLimitLease> AcquireBatchedAsync(HttpContext? request)
    {
        Interlocked.Increment(ref _waiters);
        try
        {
            return await AcquireBatchedCoreAsync(request);
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    private async ValueTask<RateLimitLease> AcquireBatchedCoreAsync(HttpContext? request)
    {
        // Concurrent requests that find the slice empty share one reservation; each reservation
        // either refills the slice or tells everyone to back off.
        for (var attempt = 0; attempt < 8; attempt++)
        {
            Task refill;
            lock (_refillLock)
            {
                refill = _refill is { IsCompleted: false } pending ? pending : (_refill = RefillAsync());
            }

            await refill;
            var now = _time.GetTimestamp();
            if (TryTakeFromSlice(now))
            {
                _decisions.Count(RateLimitOutcome.Allowed);
                return Allow(now, request);
            }

            if (now < Volatile.Read(ref _blockedUntil))
            {
                return RejectLocally(now);
            }

            if (_lastRefillFailed)
            {
                return FailMode();
            }
        }

        // Others keep emptying the slice first: ask for exactly one permit.
        return await AcquireStrictAsync(request);
    }

    private volatile bool _lastRefillFailed;
    private int _waiters;

    /// <summary>
    /// Starts reserving the next slice, without waiting for it, once the current one runs low.
    /// Worst case this holds up to 1¼ slices per replica at a window's end (docs/rate-limiting.md's
    /// under-admission bound counts it).
    /// </summary>
    private void PrefetchIfLow()
    {
        if (Volatile.Read(ref _sliceTokens) > Math.Max(1, Volatile.Read(ref _lastSliceSize) / 4) || Volatile.Read(ref _refill) is { IsCompleted: false })
        {
            return;
        }

        lock (_refillLock)
        {
            if (_refill is not { IsCompleted: false })
            {
                // RefillAsync reports failures through its result fields, never by throwing.
                _refill = RefillAsync();
            }
        }
    }

    private async Task RefillAsync()
    {
        // Traffic since the last grant: what was spent of it, over how long.
        var started = _time.GetTimestamp();
        var consumed = Volatile.Read(ref _tokensAfterGrant) - Math.Max(0, Volatile.Read(ref _sliceTokens));
        var elapsed = Volatile.Read(ref _lastGrantAt) is var last and > 0 ? ToTimeSpan(started - last) : TimeSpan.Zero;
        var requested = SliceSize(consumed, elapsed, Volatile.Read(ref _waiters), _spec);
        var decision = await _store.TryAcquireAsync(_redisKey, _spec.Limit, _spec.WindowSeconds, requested);
        var now = _time.GetTimestamp();
        _lastRefillFailed = decision is null;
        if (decision is not { } answer)
        {
            return;
        }

        Record(answer, now);
        if (answer.Granted > 0)
        {
            // The slice belongs to its window: it must not be spent in the next one. A slice of a
            // new window replaces what is left of the old one (given up: under-admission, never
            // over-admission); another slice of the same window adds to it.
            var expires = now + ToTimestamp(answer.Reset);
            int tokens;
            if (expires - Volatile.Read(ref _sliceExpires) > ToTimestamp(TimeSpan.FromSeconds(_spec.WindowSeconds / 2d)))
            {
                tokens = answer.Granted;
                Volatile.Write(ref _sliceTokens, tokens);
            }
            else
            {
                tokens = Interlocked.Add(ref _sliceTokens, answer.Granted);
            }

            Volatile.Write(ref _sliceExpires, expires);
            Volatile.Write(ref _lastSliceSize, answer.Granted);
            Volatile.Write(ref _tokensAfterGrant, tokens);
            Volatile.Write(ref _lastGrantAt, now);
        }
        else
        {
            _decisions.Count(RateLimitOutcome.Rejected);
        }
    }

    /// <summary>
    /// Permits to ask Redis for: the key's traffic over the last slice scaled to
    /// <see cref="RateLimitSpec.SliceTarget"/>, between 1 and <see cref="RateLimitSpec.SliceCap"/>
    /// (a replica never holds back more than that at a window's end), or the requests already
    /// waiting, up to <see cref="RateLimitSpec.MaxBatchSize"/> (they spend it at once: no waste).
    /// A key's first reservation has no history and asks for what is waiting.
    /// </summary>
    internal static int SliceSize(int consumed, TimeSpan elapsed, int waiters, RateLimitSpec spec)
    {
        var demand = 1;
        if (consumed > 0)
        {
            demand = elapsed <= TimeSpan.Zero
                ? spec.SliceCap
                : (int)Math.Clamp(Math.Ceiling(consumed * (spec.SliceTarget / elapsed)), 1, spec.SliceCap);
        }

        return Math.Max(demand, Math.Min(waiters, Math.Max(spec.SliceCap, spec.MaxBatchSize)));
    }

    private bool TryTakeFromSlice(long now)
    {
        if (now >= Volatile.Read(ref _sliceExpires))
        {
            Volatile.Write(ref _sliceTokens, 0);
            return false;
        }

        var tokens = Volatile.Read(ref _sliceTokens);
        while (tokens > 0)
        {
            var previous = Interlocked.CompareExchange(ref _sliceTokens, tokens - 1, tokens);
            if (previous == tokens)
            {
                return true;
            }

            tokens = previous;
        }

        return false;
    }

    private void Record(RedisDecision answer, long now)
    {
        Volatile.Write(ref _remaining, answer.Remaining);
        Volatile.Write(ref _resetAt, now + ToTimestamp(answer.Reset));
        if (answer.Granted == 0)
        {
            Volatile.Write(ref _blockedUntil, now + ToTimestamp(answer.RetryAfter));
        }
    }

    private RateLimitLease Allow(long now, HttpContext? request)
    {
        if (_spec.Refundable)
        {
            var windowEnd = _spec.Mode == RateLimitMode.Batched ? Volatile.Read(ref _sliceExpires) : Volatile.Read(ref _resetAt);
            // Approximate mode before its first sync knows no window end yet: a window from now.
            if (windowEnd <= now && _spec.Mode == RateLimitMode.Approximate)
            {
                windowEnd = now + ToTimestamp(TimeSpan.FromSeconds(_spec.WindowSeconds));
            }

            return GatewayRateLimitLease.AcquiredRefundable(this, Math.Max(windowEnd, now + 1));
        }

        if (request is not null)
        {
            var remaining = _spec.Mode switch
            {
                RateLimitMode.Batched => Remaining + Math.Max(0, Volatile.Read(ref _sliceTokens)),
                RateLimitMode.Approximate => Math.Max(0, _spec.Limit - LocalCount(0)),
                _ => Remaining,
            };
            RateLimitHeaders.Write(request.Response.Headers, this, remaining, ResetSeconds(now));
        }

        return GatewayRateLimitLease.Acquired;
    }

    /// <summary>
    /// Gives back one permit granted in the window ending at <paramref name="windowEnd"/>: into the
    /// local slice while it belongs to that window (batched; no round trip), or to Redis (strict).
    /// A permit of a window that has ended is not given back: it no longer limits anyone.
    /// </summary>
    internal void Refund(long windowEnd)
    {
        var now = _time.GetTimestamp();
        if (now >= windowEnd)
        {
            return;
        }

        if (_spec.Mode == RateLimitMode.Strict)
        {
            _ = _store.RefundAsync(_redisKey, _spec.Limit, _spec.WindowSeconds, 1);
            return;
        }

        if (_spec.Mode == RateLimitMode.Approximate)
        {
            // A negative admission: the next tick takes it off the shared count.
            Interlocked.Decrement(ref _pending);
            QueueSync();
            return;
        }

        // Same window: the slice's end is recomputed on every grant, so "same" is within half a window.
        var sliceExpires = Volatile.Read(ref _sliceExpires);
        if (now < sliceExpires && Math.Abs(sliceExpires - windowEnd) < ToTimestamp(TimeSpan.FromSeconds(_spec.WindowSeconds / 2d)))
        {
            Interlocked.Increment(ref _sliceTokens);
        }
    }

    private GatewayRateLimitLease RejectLocally(long now)
    {
        _decisions.Count(RateLimitOutcome.RejectedLocally);
        return GatewayRateLimitLease.Rejected(this, ToTimeSpan(Volatile.Read(ref _blockedUntil) - now));
    }

    private RateLimitLease FailMode()
    {
        switch (_spec.FailMode)
        {
            case RateLimitFailMode.Open:
                _decisions.Count(RateLimitOutcome.DegradedAllowed);
                return GatewayRateLimitLease.Acquired;

            case RateLimitFailMode.Closed:
                _decisions.Count(RateLimitOutcome.Unavailable);
                return GatewayRateLimitLease.RejectedUnavailable(this, TimeSpan.FromSeconds(1));

            default:
                var fallback = LazyInitializer.EnsureInitialized(ref _fallback, () => new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
                {
                    // This replica's share of the limit while replicas cannot coordinate.
                    PermitLimit = Math.Max(1, (int)Math.Ceiling(_spec.Limit / (double)_spec.Replicas)),
                    Window = TimeSpan.FromSeconds(_spec.WindowSeconds),
                    SegmentsPerWindow = 4,
                    QueueLimit = 0,
                    AutoReplenishment = false,
                }));
                fallback.TryReplenish();
                using (var lease = fallback.AttemptAcquire())
                {
                    if (lease.IsAcquired)
                    {
                        _decisions.Count(RateLimitOutcome.DegradedAllowed);
                        return GatewayRateLimitLease.Acquired;
                    }

                    _decisions.Count(RateLimitOutcome.DegradedRejected);
                    var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(_spec.WindowSeconds / 4.0);
                    return GatewayRateLimitLease.Rejected(this, retry);
                }
        }
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    private TimeSpan ToTimeSpan(long timestampDelta) => TimeSpan.FromTicks((long)(timestampDelta * (TimeSpan.TicksPerSecond / (double)_time.TimestampFrequency)));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fallback?.Dispose();
        }

        base.Dispose(disposing);
    }
}

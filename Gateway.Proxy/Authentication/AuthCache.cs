using System.Collections.Concurrent;
using Gateway.Contracts.Invalidation;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// The proxy's local memory of auth answers, so the common case costs no network call.
/// <list type="bullet">
/// <item>Positive answers live for min(<see cref="AuthCacheOptions.PositiveTtl"/> less a random
/// share of up to <see cref="AuthCacheOptions.PositiveTtlJitter"/>, token expiry), or
/// <see cref="AuthCacheOptions.DegradedTtl"/> while invalidations cannot be received; bounded in
/// entries and approximate bytes, evicting the least recently used.</item>
/// <item>Definitive "invalid" answers live briefly in a separately bounded <see cref="NegativeCache"/>:
/// a flood of random tokens fills that one, never evicts good entries.</item>
/// <item>Unavailable answers are never cached.</item>
/// <item>A hit in the last <see cref="AuthCacheOptions.RefreshAhead"/> share of an entry's life
/// tells its caller, once per entry, to have it revalidated in the background
/// (<see cref="CredentialLookups.Refresh"/>): a credential in steady use is answered from the cache
/// across its TTL instead of waiting for a lookup every five minutes.</item>
/// </list>
/// Asking the auth service on a miss is <see cref="CredentialLookups"/>' job; it stores the answer
/// here.
/// Reads are lock-free (a dictionary lookup and two clock reads); only inserts past the bound take
/// the eviction lock.
/// </summary>
internal sealed class AuthCache
{
    private readonly IOptionsMonitor<AuthCacheOptions> _options;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<CredentialKey, Entry> _positive = new();
    private readonly NegativeCache _negative;
    private readonly Lock _evictionLock = new();

    private long _bytes;
    private long _generation;
    // True until the invalidation subscriber says otherwise (it does at start, until it is in step).
    private volatile bool _invalidationsLive = true;

    public AuthCache(IOptionsMonitor<AuthCacheOptions> options, ProxyMetrics metrics, TimeProvider timeProvider)
    {
        _options = options;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _negative = new NegativeCache(options.CurrentValue.MaxNegativeEntries);

        var meter = metrics.Meter;
        meter.CreateObservableGauge("gateway.proxy.auth_cache.entries", () => Count, "{entry}", "Positive entries in the auth cache.");
        meter.CreateObservableGauge("gateway.proxy.auth_cache.bytes", () => ApproximateBytes, "By", "Approximate memory of positive entries.");
        meter.CreateObservableGauge("gateway.proxy.auth_cache.negative_entries", () => NegativeCount, "{entry}", "Entries in the negative (invalid credential) cache.");
    }

    public int Count => _positive.Count;

    public long ApproximateBytes => Interlocked.Read(ref _bytes);

    public int NegativeCount => _negative.Count;

    /// <summary>False while invalidations may be missed (entries then live only briefly): see <see cref="MarkOutOfStep"/>.</summary>
    public bool InvalidationsLive => _invalidationsLive;

    /// <summary>
    /// The hot path: a cached answer, if there is a fresh one. <paramref name="refreshDue"/> is true
    /// for the one hit that should start the entry's background revalidation.
    /// </summary>
    public bool TryGet(CredentialKey key, out GatewayPrincipal? principal, out bool refreshDue)
    {
        var now = _timeProvider.GetUtcNow().UtcTicks;
        if (_positive.TryGetValue(key, out var entry) && TryUse(entry, now, out principal, out refreshDue))
        {
            return true;
        }

        principal = null;
        refreshDue = false;
        if (_negative.IsFresh(key, now))
        {
            _metrics.AuthCacheNegativeHit();
            return true;
        }

        return false;
    }

    /// <summary>
    /// Only a fresh positive answer (counted as a hit); anything else is left, uncounted, to
    /// <see cref="TryGet"/> and <see cref="CredentialLookups"/>.
    /// </summary>
    public bool TryGetValid(CredentialKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GatewayPrincipal? principal, out bool refreshDue)
    {
        principal = null;
        refreshDue = false;
        return _positive.TryGetValue(key, out var entry) && TryUse(entry, _timeProvider.GetUtcNow().UtcTicks, out principal, out refreshDue);
    }

    /// <summary>The entry's principal if the entry is still fresh (a hit, counted and marked used).</summary>
    private bool TryUse(Entry entry, long now, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GatewayPrincipal? principal, out bool refreshDue)
    {
        var live = _invalidationsLive;
        if (now >= ExpiresAt(entry, live))
        {
            principal = null;
            refreshDue = false;
            return false;
        }

        entry.LastAccessTicks = now;
        principal = entry.Principal;
        // Not while invalidations are down: entries then live seconds and misses re-check them anyway.
        refreshDue = live && now >= entry.RefreshAtTicks && entry.ClaimRefresh();
        _metrics.AuthCacheHit();
        return true;
    }

    /// <summary>
    /// Raised after an invalidation has taken effect here, for what holds on to a credential's
    /// answer for longer than one request (an open WebSocket): the cache has forgotten, so it must
    /// decide again. Handlers run on the invalidation subscriber's thread and must return quickly.
    /// </summary>
    public event Action<CacheInvalidation>? Invalidated;

    /// <summary>Whether a fresh positive answer about <paramref name="key"/> is held; counts nothing and claims no refresh.</summary>
    public bool Holds(CredentialKey key) =>
        _positive.TryGetValue(key, out var entry) && _timeProvider.GetUtcNow().UtcTicks < ExpiresAt(entry, _invalidationsLive);

    private long ExpiresAt(Entry entry, bool invalidationsLive) => invalidationsLive
        ? entry.ExpiresAtTicks
        : Math.Min(entry.ExpiresAtTicks, entry.CachedAtTicks + _options.CurrentValue.DegradedTtl.Ticks);

    /// <summary>
    /// Changes whenever something is forgotten: an answer obtained before the change may be stale
    /// (a revocation arrived while it was in flight) and is not stored (see <see cref="Store"/>).
    /// </summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Forgets one credential (revoked).</summary>
    public void Invalidate(CredentialKey key)
    {
        Interlocked.Increment(ref _generation);
        if (_positive.TryRemove(key, out var entry))
        {
            Interlocked.Add(ref _bytes, -entry.Bytes);
        }

        _negative.Remove(key);
        Invalidated?.Invoke(new CacheInvalidation(InvalidationTarget.Credential, key, null));
    }

    /// <summary>Forgets every credential of a user (plan changed, disabled).</summary>
    public void InvalidateUser(string userId)
    {
        Interlocked.Increment(ref _generation);
        foreach (var (key, entry) in _positive)
        {
            if (entry.Principal.UserId == userId && _positive.TryRemove(key, out var removed))
            {
                Interlocked.Add(ref _bytes, -removed.Bytes);
            }
        }

        Invalidated?.Invoke(new CacheInvalidation(InvalidationTarget.User, default, userId));
    }

    /// <summary>Forgets every answer (invalidations were missed, or the auth service said so).</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _generation);
        _positive.Clear();
        Interlocked.Exchange(ref _bytes, 0);
        Invalidated?.Invoke(CacheInvalidation.All);
    }

    /// <summary>
    /// Called by the invalidation subscriber when it cannot vouch that every invalidation reached
    /// this replica (subscription down, sequence not confirmed lately): answers then live only
    /// <see cref="AuthCacheOptions.DegradedTtl"/> from when they were cached.
    /// </summary>
    public void MarkOutOfStep() => _invalidationsLive = false;

    /// <summary>Called by the invalidation subscriber once it has every invalidation up to now again.</summary>
    public void MarkInStep() => _invalidationsLive = true;

    /// <summary>
    /// Remembers the auth service's answer about <paramref name="key"/>, obtained at
    /// <paramref name="generation"/>: an invalidation that arrived since wins over it. Unavailable
    /// answers are never remembered.
    /// </summary>
    public void Store(CredentialKey key, AuthLookup result, long generation)
    {
        if (generation != Generation)
        {
            return;
        }

        var settings = _options.CurrentValue;
        var now = _timeProvider.GetUtcNow().UtcTicks;
        switch (result.Status)
        {
            case AuthLookupStatus.Valid:
                var expires = now + settings.PositiveTtl.Ticks - (long)(settings.PositiveTtl.Ticks * settings.PositiveTtlJitter * Random.Shared.NextDouble());
                if (result.ExpiresAt is { } tokenExpiry)
                {
                    expires = Math.Min(expires, tokenExpiry.UtcTicks);
                }

                var entry = new Entry(result.Principal!, now, expires, expires - (long)((expires - now) * settings.RefreshAhead));
                if (_positive.TryGetValue(key, out var previous) && _positive.TryUpdate(key, entry, previous))
                {
                    Interlocked.Add(ref _bytes, entry.Bytes - previous.Bytes);
                }
                else if (_positive.TryAdd(key, entry))
                {
                    Interlocked.Add(ref _bytes, entry.Bytes);
                }
                else
                {
                    break;
                }

                // Check and store are one step as far as invalidations go: one that bumped the
                // generation after the check above but before the entry went in may have found
                // nothing to remove, so the entry it meant is taken out again here. (Invalidations
                // bump the generation before they remove: whichever side comes second sees the other.)
                if (generation != Generation)
                {
                    if (_positive.TryRemove(new KeyValuePair<CredentialKey, Entry>(key, entry)))
                    {
                        Interlocked.Add(ref _bytes, -entry.Bytes);
                    }

                    break;
                }

                if (_positive.Count > settings.MaxEntries || Interlocked.Read(ref _bytes) > settings.MaxBytes)
                {
                    Evict(settings, now);
                }

                break;

            case AuthLookupStatus.Invalid:
                // A refresh can learn that a cached credential has stopped being valid (expired,
                // or revoked while this replica missed the invalidation): the old answer goes.
                if (_positive.TryRemove(key, out var stale))
                {
                    Interlocked.Add(ref _bytes, -stale.Bytes);
                }

                _negative.Add(key, now + settings.NegativeTtl.Ticks);
                break;
        }
    }

    private void Evict(AuthCacheOptions settings, long now)
    {
        lock (_evictionLock)
        {
            foreach (var (key, entry) in _positive)
            {
                if (entry.ExpiresAtTicks <= now)
                {
                    Remove(key);
                }
            }

            if (_positive.Count <= settings.MaxEntries && Interlocked.Read(ref _bytes) <= settings.MaxBytes)
            {
                return;
            }

            // Least recently used first, down to 90% of the bounds so eviction is not paid per insert.
            var targetCount = settings.MaxEntries * 9 / 10;
            var targetBytes = settings.MaxBytes * 9 / 10;
            foreach (var (key, _) in _positive.OrderBy(pair => pair.Value.LastAccessTicks).ToList())
            {
                if (_positive.Count <= targetCount && Interlocked.Read(ref _bytes) <= targetBytes)
                {
                    break;
                }

                Remove(key);
            }
        }
    }

    private void Remove(CredentialKey key)
    {
        if (_positive.TryRemove(key, out var removed))
        {
            Interlocked.Add(ref _bytes, -removed.Bytes);
            _metrics.AuthCacheEviction();
        }
    }

    private sealed class Entry(GatewayPrincipal principal, long cachedAtTicks, long expiresAtTicks, long refreshAtTicks)
    {
        private int _refreshClaimed;

        public GatewayPrincipal Principal { get; } = principal;

        public long CachedAtTicks { get; } = cachedAtTicks;

        public long ExpiresAtTicks { get; } = expiresAtTicks;

        /// <summary>From here on a hit asks for a background revalidation.</summary>
        public long RefreshAtTicks { get; } = refreshAtTicks;

        public int Bytes { get; } = principal.ApproximateBytes;

        // Written without synchronisation on hits: a slightly stale value only perturbs LRU order.
        public long LastAccessTicks { get; set; } = cachedAtTicks;

        /// <summary>
        /// True for the first caller only: one revalidation per entry. Its answer replaces the entry
        /// (a fresh claim with it); if it got none (auth unavailable, no free slot) the entry simply
        /// expires and the next request is an ordinary miss.
        /// </summary>
        public bool ClaimRefresh() => Interlocked.Exchange(ref _refreshClaimed, 1) == 0;
    }
}

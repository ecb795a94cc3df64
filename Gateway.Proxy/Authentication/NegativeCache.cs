using System.Collections.Concurrent;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// Definitive "invalid" answers, kept briefly and bounded apart from the positive cache, so a flood
/// of bad credentials never evicts a good one. Every entry lives equally long, so the oldest entry
/// is also the first to expire: a fixed ring of insertions is the eviction order. Inserting is one
/// <see cref="Interlocked"/> step, one ring write and at most one removal, O(1) with no lock
/// however full the cache is (a full cache used to be scanned, under a lock, on every miss).
/// </summary>
internal sealed class NegativeCache
{
    private readonly ConcurrentDictionary<CredentialKey, long> _expiry;
    private readonly Slot?[] _ring;
    private long _next = -1;
    private int _count;

    public NegativeCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new Slot?[capacity];
        _expiry = new ConcurrentDictionary<CredentialKey, long>(Environment.ProcessorCount, Math.Min(capacity, 4_096));
    }

    public int Capacity => _ring.Length;

    /// <summary>Entries held, expired ones included until the ring overwrites them (never more than <see cref="Capacity"/>, give or take concurrent inserts).</summary>
    public int Count => Math.Max(0, Volatile.Read(ref _count));

    public bool IsFresh(CredentialKey key, long nowTicks) => _expiry.TryGetValue(key, out var expires) && nowTicks < expires;

    public void Add(CredentialKey key, long expiresAtTicks)
    {
        if (_expiry.TryAdd(key, expiresAtTicks))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            _expiry[key] = expiresAtTicks;
        }

        var index = (int)((ulong)Interlocked.Increment(ref _next) % (ulong)_ring.Length);
        if (Interlocked.Exchange(ref _ring[index], new Slot(key, expiresAtTicks)) is { } evicted)
        {
            // Only the entry this slot recorded: a key inserted again since then has a later expiry
            // and a newer slot of its own.
            Remove(KeyValuePair.Create(evicted.Key, evicted.ExpiresAtTicks));
        }
    }

    public void Remove(CredentialKey key)
    {
        if (_expiry.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private void Remove(KeyValuePair<CredentialKey, long> entry)
    {
        if (_expiry.TryRemove(entry))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private sealed record Slot(CredentialKey Key, long ExpiresAtTicks);
}

using Gateway.Proxy.Authentication;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>The negative cache stays bounded under floods, evicting the oldest entry in O(1), without a lock.</summary>
public sealed class NegativeCacheTests
{
    private const long Now = 1_000;
    private const long Later = 1_000_000;

    [Fact]
    public void Flood_MoreDistinctKeysThanCapacity_StaysBounded_KeepsTheNewest()
    {
        var cache = new NegativeCache(1_000);
        var keys = Enumerable.Range(0, 100_000).Select(i => CredentialKey.From($"gw_at_flood{i}")).ToList();

        foreach (var key in keys)
        {
            cache.Add(key, Later);
        }

        Assert.Equal(1_000, cache.Count);
        Assert.All(keys[^1_000..], key => Assert.True(cache.IsFresh(key, Now)));
        Assert.All(keys[..99_000].Take(5_000), key => Assert.False(cache.IsFresh(key, Now)));
    }

    [Fact]
    public void KeyAddedAgain_SurvivesTheEvictionOfItsOlderSlot()
    {
        var cache = new NegativeCache(3);
        var again = CredentialKey.From("gw_at_again");
        cache.Add(again, Later);
        cache.Add(CredentialKey.From("gw_at_b"), Later);
        cache.Add(again, Later + 1);
        cache.Add(CredentialKey.From("gw_at_c"), Later); // overwrites the slot of the first insert of 'again'

        Assert.True(cache.IsFresh(again, Now));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void ExpiredEntry_IsNotFresh_RemovedEntry_IsGone()
    {
        var cache = new NegativeCache(10);
        var expired = CredentialKey.From("gw_at_expired");
        var removed = CredentialKey.From("gw_at_removed");
        cache.Add(expired, Now);
        cache.Add(removed, Later);
        cache.Remove(removed);

        Assert.False(cache.IsFresh(expired, Now));
        Assert.False(cache.IsFresh(removed, Now));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task ConcurrentFloods_StayWithinTheBound()
    {
        var cache = new NegativeCache(500);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(thread => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                cache.Add(CredentialKey.From($"gw_at_{thread}_{i}"), Later);
            }
        })));

        Assert.InRange(cache.Count, 490, 500);
    }
}

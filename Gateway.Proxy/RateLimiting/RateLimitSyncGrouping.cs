namespace Gateway.Proxy.RateLimiting;

/// <summary>How approximate mode groups a tick's keys into script calls on a Redis Cluster.</summary>
internal enum RateLimitSyncGrouping
{
    /// <summary>
    /// One call per primary: its keys on any of its slots, the first declared, the rest touched by
    /// name (allowed for scripts without a shebang line on Redis 6 and 7). A tick costs as many
    /// calls as there are primaries.
    /// </summary>
    Node,

    /// <summary>
    /// One call per slot, every key declared: for a Redis-compatible service that refuses undeclared
    /// keys. A tick costs as many calls as its keys have slots (nearly one per key).
    /// </summary>
    Slot,
}

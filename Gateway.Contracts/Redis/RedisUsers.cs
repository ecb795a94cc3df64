using Gateway.Contracts.Configuration;
using Gateway.Contracts.Invalidation;
using Gateway.Contracts.Metrics;

namespace Gateway.Contracts.Redis;

/// <summary>
/// The least privilege each service needs in Redis, as ACL users the AppHost creates on both the
/// container and the executables path. No service uses the <c>default</c> user (the operator's).
/// </summary>
/// <remarks>
/// Every user starts from nothing (<c>resetkeys resetchannels -@all</c>) and gets connection
/// commands without the dangerous ones (no <c>CLIENT KILL</c>, <c>CLIENT PAUSE</c>), then the
/// commands its code and its Lua scripts run, on its own keys and channels. Commands inside a
/// script are checked against the caller's rights too. A command outside the list is answered
/// <c>NOPERM</c>: a leaked dashboard password cannot clear login-failure counters, rewrite
/// rate-limit windows or publish invalidations (each of which makes every proxy scan its cache).
/// </remarks>
public static class RedisUsers
{
    // CLUSTER NODES (read-only, not @dangerous) is how StackExchange.Redis learns a cluster's slot
    // map: without it a client still gets answers, but only by following a MOVED reply for
    // every slot it touches and after every failover (ClusterAclTests). A single server refuses it
    // as a non-cluster instance, which the client does not ask on one.
    private static readonly string[] Connection = ["-@all", "+@connection", "-@dangerous", "+cluster|nodes"];

    /// <summary>Rate-limit scripts on its windows, invalidations and configuration notices in (and the invalidations' number), snapshots out.</summary>
    public static readonly RedisUser Proxy = new("gateway-proxy",
    [
        "on", "resetkeys", "~" + RedisKeys.RateLimitPrefix + "*", "%R~" + AuthInvalidations.SequenceKey,
        "resetchannels", "&" + AuthInvalidations.Channel, "&" + ReplicaSnapshot.Channel, "&" + ConfigChanges.Channel,
        .. Connection,
        "+info", "+evalsha", "+eval", "+script|load", "+script|exists",
        "+hmget", "+hset", "+pexpire", "+time", "+get",
        "+publish", "+subscribe", "+unsubscribe",
    ]);

    /// <summary>Login-throttle scripts on its counters; numbered invalidations and configuration notices out.</summary>
    public static readonly RedisUser Auth = new("gateway-auth",
    [
        "on", "resetkeys", "~" + RedisKeys.LoginThrottlePrefix + "*", "~" + AuthInvalidations.SequenceKey,
        "resetchannels", "&" + AuthInvalidations.Channel, "&" + ConfigChanges.Channel,
        .. Connection,
        "+info", "+evalsha", "+eval", "+script|load", "+script|exists",
        "+hget", "+hmget", "+hset", "+hincrby", "+pexpire", "+del", "+time", "+zadd", "+zremrangebyrank", "+zscore", "+incr",
        "+publish",
    ]);

    /// <summary>Snapshots in; its own sign-in sessions (plain string commands on its prefix).</summary>
    public static readonly RedisUser Dashboard = new("gateway-dashboard",
    [
        "on", "resetkeys", "~" + RedisKeys.DashboardSessionPrefix + "*",
        "resetchannels", "&" + ReplicaSnapshot.Channel,
        .. Connection,
        // StackExchange.Redis sends SETEX/PSETEX for a set with an expiry and UNLINK for a delete.
        "+info", "+get", "+set", "+setex", "+psetex", "+getex", "+del", "+unlink", "+expire", "+pexpire",
        "+subscribe", "+unsubscribe",
    ]);

    public static IReadOnlyList<RedisUser> All { get; } = [Proxy, Auth, Dashboard];
}

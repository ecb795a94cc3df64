namespace Gateway.Contracts.Redis;

/// <summary>
/// Every key space the services keep in Redis, in one place, so that each service's ACL user
/// (<see cref="RedisUsers"/>) can be given exactly its own.
/// </summary>
public static class RedisKeys
{
    /// <summary>Rate-limit windows, <c>{gw:rl:&lt;policy&gt;:&lt;partition&gt;}</c> (the proxy's; one hash slot per key).</summary>
    public const string RateLimitPrefix = "{gw:rl:";

    /// <summary>Login-failure counters (the auth service's; one hash slot for all, since its scripts touch several).</summary>
    public const string LoginThrottlePrefix = "{gw:auth:login}:";

    /// <summary>Dashboard sign-in sessions (the dashboard's).</summary>
    public const string DashboardSessionPrefix = "dashboard:session:";
}

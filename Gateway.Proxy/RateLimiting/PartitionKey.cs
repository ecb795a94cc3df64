namespace Gateway.Proxy.RateLimiting;

/// <summary>Identifies one limiter: the policy, who, and the limit that applies (a plan change makes a new key).</summary>
internal readonly record struct PartitionKey(string Policy, string Id, int Limit, int WindowSeconds, RateLimitMode Mode, RateLimitFailMode FailMode);

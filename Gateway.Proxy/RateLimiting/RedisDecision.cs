namespace Gateway.Proxy.RateLimiting;

/// <summary>Redis's answer to one decision or reservation.</summary>
internal readonly record struct RedisDecision(int Granted, int Remaining, TimeSpan RetryAfter, TimeSpan Reset);

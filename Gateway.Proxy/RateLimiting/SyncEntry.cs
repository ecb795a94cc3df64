namespace Gateway.Proxy.RateLimiting;

/// <summary>A limiter's part of one sync call: the permits it admitted (or gave back) since its last one.</summary>
internal readonly record struct SyncEntry(DistributedRateLimiter Limiter, int Delta);

using StackExchange.Redis;

namespace Gateway.Proxy.RateLimiting;

/// <summary>What one sync call got back.</summary>
/// <param name="Values">Per key { used, retry_after_us, reset_us }; null when Redis did not answer.</param>
/// <param name="WrongNode">The call carried a key its node does not serve (now): send those keys slot by slot.</param>
internal readonly record struct SyncAnswer(RedisValue[]? Values, bool WrongNode);

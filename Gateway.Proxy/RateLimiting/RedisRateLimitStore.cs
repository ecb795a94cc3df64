using Gateway.Proxy.Telemetry;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using StackExchange.Redis;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Runs the sliding-window script (<c>Scripts/sliding_window.lua</c>, embedded, EVALSHA after the
/// first call) behind a timeout and a circuit breaker: when Redis is down the breaker opens and
/// callers get <c>null</c> at once, without waiting for a connection that will not come.
/// </summary>
internal sealed class RedisRateLimitStore
{
    public const string PipelineName = "redis-rate-limit";

    private static readonly string Script = LoadScript();
    private static readonly string SyncScript = LoadScript("sliding_window_sync.lua");

    private readonly IConnectionMultiplexer _redis;
    private readonly ResiliencePipeline<RedisValue[]?> _pipeline;
    private readonly ProxyMetrics _metrics;

    public RedisRateLimitStore(IConnectionMultiplexer redis, ResiliencePipelineProvider<string> pipelines, ProxyMetrics metrics)
    {
        _redis = redis;
        _pipeline = pipelines.GetPipeline<RedisValue[]?>(PipelineName);
        _metrics = metrics;
    }

    /// <summary>Asks for up to <paramref name="requested"/> permits; null when Redis could not answer.</summary>
    public async ValueTask<RedisDecision?> TryAcquireAsync(RedisKey key, int limit, int windowSeconds, int requested)
    {
        try
        {
            _metrics.RateLimitRedisCall();
            var result = await _pipeline.ExecuteAsync(
                static async (state, cancellationToken) => (RedisValue[]?)await state.Database.ScriptEvaluateAsync(
                    Script,
                    [state.Key],
                    [state.Limit, state.WindowMicroseconds, state.Requested]).WaitAsync(cancellationToken),
                new ScriptState(_redis.GetDatabase(), key, limit, windowSeconds * 1_000_000L, requested),
                CancellationToken.None);
            return Parse(result);
        }
        catch (Exception ex) when (ex is BrokenCircuitException or RedisException or TimeoutRejectedException or TimeoutException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Gives <paramref name="permits"/> granted earlier back to the window they were granted in
    /// (the script's negative request); best effort: when Redis cannot be reached the permit stays
    /// spent, which only ever under-admits.
    /// </summary>
    public async Task RefundAsync(RedisKey key, int limit, int windowSeconds, int permits)
    {
        try
        {
            _metrics.RateLimitRedisCall();
            await _pipeline.ExecuteAsync(
                static async (state, cancellationToken) => (RedisValue[]?)await state.Database.ScriptEvaluateAsync(
                    Script,
                    [state.Key],
                    [state.Limit, state.WindowMicroseconds, state.Requested]).WaitAsync(cancellationToken),
                new ScriptState(_redis.GetDatabase(), key, limit, windowSeconds * 1_000_000L, -permits),
                CancellationToken.None);
        }
        catch (Exception ex) when (ex is BrokenCircuitException or RedisException or TimeoutRejectedException or TimeoutException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Approximate mode's batched call (<c>Scripts/sliding_window_sync.lua</c>): adds each key's
    /// local admissions and returns, per key, { used, retry_after_us, reset_us }; null when Redis
    /// could not answer. Every key must be on one slot when Redis is a cluster.
    /// </summary>
    public async ValueTask<RedisValue[]?> SyncAsync(RedisKey[] keys, RedisValue[] arguments)
    {
        try
        {
            _metrics.RateLimitRedisCall();
            var result = await _pipeline.ExecuteAsync(
                static async (state, cancellationToken) => (RedisValue[]?)await state.Database.ScriptEvaluateAsync(
                    SyncScript, state.Keys, state.Arguments).WaitAsync(cancellationToken),
                new SyncState(_redis.GetDatabase(), keys, arguments),
                CancellationToken.None);
            return result is { } values && values.Length == keys.Length * 3 ? values : null;
        }
        catch (Exception ex) when (ex is BrokenCircuitException or RedisException or TimeoutRejectedException or TimeoutException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>The Redis Cluster slot of a key, or 0 when Redis is not a cluster (one call may then carry any keys).</summary>
    public int SlotOf(RedisKey key) => IsCluster() ? _redis.HashSlot(key) : 0;

    private bool? _isCluster;

    /// <summary>Known once a server has been connected to; until then, calls are not split (a cluster would answer CROSSSLOT, a failed sync that is retried).</summary>
    private bool IsCluster()
    {
        if (_isCluster is { } known)
        {
            return known;
        }

        foreach (var endpoint in _redis.GetEndPoints())
        {
            if (_redis.GetServer(endpoint) is { IsConnected: true } server)
            {
                _isCluster = server.ServerType == ServerType.Cluster;
                return _isCluster.Value;
            }
        }

        return false;
    }

    internal static RedisDecision? Parse(RedisValue[]? result) => result is { Length: 4 }
        ? new RedisDecision(
            (int)result[0],
            (int)result[1],
            TimeSpan.FromMicroseconds((long)result[2]),
            TimeSpan.FromMicroseconds((long)result[3]))
        : null;

    /// <summary>The failures that count against Redis.</summary>
    public static bool IsFailure(Outcome<RedisValue[]?> outcome) =>
        outcome.Exception is RedisException or TimeoutRejectedException or TimeoutException;

    internal static string LoadScript(string name = "sliding_window.lua")
    {
        using var stream = typeof(RedisRateLimitStore).Assembly.GetManifestResourceStream("Gateway.Proxy.RateLimiting.Scripts." + name)
            ?? throw new InvalidOperationException("The rate-limit script is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private readonly record struct SyncState(IDatabase Database, RedisKey[] Keys, RedisValue[] Arguments);

    private readonly record struct ScriptState(IDatabase Database, RedisKey Key, int Limit, long WindowMicroseconds, int Requested);
}

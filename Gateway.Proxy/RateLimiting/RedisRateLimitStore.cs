using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;
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
    private readonly RateLimitSyncGrouping _grouping;

    public RedisRateLimitStore(IConnectionMultiplexer redis, ResiliencePipelineProvider<string> pipelines, ProxyMetrics metrics, IOptions<RateLimitingOptions> options)
    {
        _redis = redis;
        _grouping = options.Value.SyncGrouping;
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
    /// local admissions and returns, per key, { used, retry_after_us, reset_us }. The keys'
    /// names are in <paramref name="arguments"/>; <paramref name="route"/> are the keys declared
    /// to Redis (every key when they share a slot, else the first of a node's group).
    /// </summary>
    public async ValueTask<SyncAnswer> SyncAsync(RedisKey[] route, RedisValue[] arguments, int keys)
    {
        try
        {
            _metrics.RateLimitRedisCall();
            var result = await _pipeline.ExecuteAsync(
                static async (state, cancellationToken) => (RedisValue[]?)await state.Database.ScriptEvaluateAsync(
                    SyncScript, state.Route, state.Arguments).WaitAsync(cancellationToken),
                new SyncState(_redis.GetDatabase(), route, arguments),
                CancellationToken.None);
            return new SyncAnswer(result is { } values && values.Length == keys * 3 ? values : null, WrongNode: false);
        }
        catch (RedisServerException ex) when (IsWrongNode(ex))
        {
            return new SyncAnswer(null, WrongNode: true);
        }
        catch (Exception ex) when (ex is BrokenCircuitException or RedisException or TimeoutRejectedException or TimeoutException or ObjectDisposedException)
        {
            return new SyncAnswer(null, WrongNode: false);
        }
    }

    /// <summary>
    /// Which sync call <paramref name="key"/> travels in. One server: all together. A cluster: with
    /// <see cref="RateLimitSyncGrouping.Node"/>, every key its primary serves (a tick costs one call
    /// per primary, whatever the number of slots its keys are on); with
    /// <see cref="RateLimitSyncGrouping.Slot"/>, or while the client does not know the key's
    /// primary, every key of its slot.
    /// </summary>
    public SyncGroup SyncGroupOf(RedisKey key)
    {
        if (!IsCluster())
        {
            return default;
        }

        var slot = _redis.HashSlot(key);
        if (_grouping == RateLimitSyncGrouping.Node)
        {
            try
            {
                return new SyncGroup(_redis.GetServer(key).EndPoint, Slot: -1);
            }
            catch (Exception ex) when (ex is RedisException or InvalidOperationException or NotSupportedException)
            {
            }
        }

        return new SyncGroup(null, slot);
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

    /// <summary>
    /// A node-grouped call reached a node that no longer serves one of its keys (a slot moved, a
    /// failover the client has not seen yet), or a slot is half moved: not Redis failing, so not
    /// the breaker's business; the caller sends those keys slot by slot, where the client follows
    /// <c>MOVED</c> and <c>ASK</c>.
    /// </summary>
    internal static bool IsWrongNode(RedisServerException ex) =>
        ex.Message.Contains("non local key", StringComparison.Ordinal)
        || ex.Message.StartsWith("CROSSSLOT", StringComparison.Ordinal)
        || ex.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal);

    internal static RedisDecision? Parse(RedisValue[]? result) => result is { Length: 4 }
        ? new RedisDecision(
            (int)result[0],
            (int)result[1],
            TimeSpan.FromMicroseconds((long)result[2]),
            TimeSpan.FromMicroseconds((long)result[3]))
        : null;

    /// <summary>The failures that count against Redis (a call sent to the wrong node does not: <see cref="IsWrongNode"/>).</summary>
    public static bool IsFailure(Outcome<RedisValue[]?> outcome) => outcome.Exception switch
    {
        RedisServerException wrongNode when IsWrongNode(wrongNode) => false,
        RedisException or TimeoutRejectedException or TimeoutException => true,
        _ => false,
    };

    internal static string LoadScript(string name = "sliding_window.lua")
    {
        using var stream = typeof(RedisRateLimitStore).Assembly.GetManifestResourceStream("Gateway.Proxy.RateLimiting.Scripts." + name)
            ?? throw new InvalidOperationException("The rate-limit script is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private readonly record struct SyncState(IDatabase Database, RedisKey[] Route, RedisValue[] Arguments);

    private readonly record struct ScriptState(IDatabase Database, RedisKey Key, int Limit, long WindowMicroseconds, int Requested);
}

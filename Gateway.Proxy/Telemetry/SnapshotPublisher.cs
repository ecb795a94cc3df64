using System.Diagnostics;
using System.Text.Json;
using Gateway.Contracts.Metrics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;
using DestinationHealth = Gateway.Contracts.Metrics.DestinationHealth;
using YarpHealth = Yarp.ReverseProxy.Model.DestinationHealth;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Publishes this replica's cumulative counters to the dashboard through Redis pub/sub once per
/// <see cref="TelemetryOptions.SnapshotInterval"/>, and a last one marked <c>Stopping</c> on a
/// clean shutdown. Off the request path entirely; when Redis is down snapshots are skipped (the
/// dashboard marks the replica as not reporting) and nothing queues up.
/// </summary>
internal sealed partial class SnapshotPublisher : BackgroundService
{
    private static readonly RedisChannel Channel = RedisChannel.Literal(ReplicaSnapshot.Channel);

    private readonly IConnectionMultiplexer _redis;
    private readonly ProxyMetrics _metrics;
    private readonly RouteStatsTable _routes;
    private readonly IProxyStateLookup _proxyState;
    private readonly Authentication.LookupAdmission _lookups;
    private readonly RuntimeConfig.RuntimeConfigState _config;
    private readonly TimeProvider _time;
    private readonly ILogger<SnapshotPublisher> _logger;
    private readonly TimeSpan _interval;
    private readonly string _replica;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly DateTimeOffset _startedAt;
    private long _sequence;
    private bool _failing;

    public SnapshotPublisher(
        IConnectionMultiplexer redis,
        ProxyMetrics metrics,
        RouteStatsTable routes,
        RequestStatsListener listener,
        IProxyStateLookup proxyState,
        Authentication.LookupAdmission lookups,
        RuntimeConfig.RuntimeConfigState config,
        IOptions<TelemetryOptions> options,
        IConfiguration configuration,
        TimeProvider time,
        ILogger<SnapshotPublisher> logger)
    {
        // The listener is a constructor dependency only so that it exists before the first request.
        _ = listener;
        _redis = redis;
        _metrics = metrics;
        _routes = routes;
        _proxyState = proxyState;
        _lookups = lookups;
        _config = config;
        _time = time;
        _logger = logger;
        _interval = options.Value.SnapshotInterval;
        _replica = ReplicaName(options.Value, configuration);
        // Every count began after the process started: the dashboard may count all of a
        // replica's traffic when it started after the dashboard did.
        using var process = Process.GetCurrentProcess();
        _startedAt = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }

    public string Replica => _replica;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PublishAsync(stopping: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Tell the dashboard at once rather than letting it wait for missed snapshots.
        await PublishAsync(stopping: true);
    }

    internal ReplicaSnapshot Capture(bool stopping)
    {
        var auth = _metrics.ReadAuthCounters();
        var rateLimit = _metrics.ReadRateLimitCounters();
        var rejected = _config.Rejected;

        return new ReplicaSnapshot
        {
            Replica = _replica,
            Instance = _instance,
            StartedAt = _startedAt,
            Timestamp = _time.GetUtcNow(),
            Sequence = Interlocked.Increment(ref _sequence),
            Interval = _interval,
            Stopping = stopping,
            ConfigVersion = _config.Current?.Version ?? 0,
            RejectedConfigVersion = rejected?.Version ?? 0,
            ConfigError = rejected?.Error is { } error && error.Length > 500 ? error[..499] + "…" : rejected?.Error,
            Routes = _routes.Read(),
            Auth = new AuthCounters
            {
                CacheHits = auth.CacheHits,
                CacheNegativeHits = auth.CacheNegativeHits,
                CacheMisses = auth.CacheMisses,
                ServiceCalls = auth.AuthServiceCalls,
                ServiceErrors = auth.AuthServiceErrors,
                LookupsRefused = auth.LookupsRefusedOverBudget + auth.LookupsRefusedClientBusy + auth.LookupsRefusedBusy,
                LookupsInFlight = _lookups.InFlight,
                LoginsThrottled = auth.LoginsThrottled,
                BreakerState = auth.BreakerState,
            },
            RateLimit = new RateLimitCounters
            {
                Allowed = rateLimit[RateLimitOutcome.Allowed] + rateLimit[RateLimitOutcome.AllowedFromSlice] + rateLimit[RateLimitOutcome.AllowedLocally],
                Rejected = rateLimit[RateLimitOutcome.Rejected] + rateLimit[RateLimitOutcome.RejectedLocally],
                DegradedAllowed = rateLimit[RateLimitOutcome.DegradedAllowed],
                DegradedRejected = rateLimit[RateLimitOutcome.DegradedRejected],
                Unavailable = rateLimit[RateLimitOutcome.Unavailable],
                RedisCalls = rateLimit.RedisCalls,
                BreakerState = rateLimit.BreakerState,
            },
            Destinations = Destinations(),
        };
    }

    private IReadOnlyList<DestinationHealth> Destinations()
    {
        var destinations = new List<DestinationHealth>();
        foreach (var cluster in _proxyState.GetClusters())
        {
            foreach (var (id, destination) in cluster.Destinations)
            {
                destinations.Add(new DestinationHealth(cluster.ClusterId, id, HealthOf(destination.Health)));
            }
        }

        return destinations;
    }

    private static HealthState HealthOf(DestinationHealthState health) =>
        (health.Active, health.Passive) switch
        {
            (YarpHealth.Unhealthy, _) or (_, YarpHealth.Unhealthy) => HealthState.Unhealthy,
            (YarpHealth.Healthy, _) => HealthState.Healthy,
            _ => HealthState.Unknown,
        };

    private async Task PublishAsync(bool stopping)
    {
        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(Capture(stopping), SnapshotJsonContext.Default.ReplicaSnapshot);
            await _redis.GetSubscriber().PublishAsync(Channel, payload, CommandFlags.FireAndForget);
            if (_failing)
            {
                _failing = false;
                Log.Resumed(_logger);
            }
        }
        catch (RedisException exception)
        {
            // Once per outage, not once per second.
            if (!_failing)
            {
                _failing = true;
                Log.Failed(_logger, exception.Message);
            }
        }
    }

    private static string ReplicaName(TelemetryOptions options, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(options.ReplicaName))
        {
            return options.ReplicaName;
        }

        // Aspire gives every replica OTEL_SERVICE_NAME=proxy and service.instance.id=<suffix>;
        // together they are the resource id its dashboard and commands use.
        var service = configuration["OTEL_SERVICE_NAME"];
        var instance = (configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? string.Empty)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0] == "service.instance.id")
            .Select(pair => pair[1])
            .FirstOrDefault();
        return !string.IsNullOrEmpty(service) && !string.IsNullOrEmpty(instance)
            ? $"{service}-{instance}"
            : $"{Environment.MachineName}:{Environment.ProcessId}";
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Metrics snapshots are not reaching Redis ({Reason}); the dashboard will show this replica as not reporting until they do.")]
        public static partial void Failed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Metrics snapshots reach Redis again.")]
        public static partial void Resumed(ILogger logger);
    }
}

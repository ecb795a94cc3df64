using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Dashboard.Aggregation;

/// <summary>
/// Probes the services the dashboard can see itself, every few seconds, off the frame loop:
/// the auth service's readiness, PostgreSQL as the auth service reaches it, and Redis. Proxy
/// replicas and backend destinations come from the replicas' own snapshots instead.
/// </summary>
public sealed partial class ServiceHealthMonitor(
    IHttpClientFactory httpClients,
    IConnectionMultiplexer redis,
    IOptions<HealthMonitorOptions> options,
    TimeProvider time,
    ILogger<ServiceHealthMonitor> logger) : BackgroundService
{
    public const string HttpClientName = "health";

    private IReadOnlyList<ServiceView> _current =
    [
        new("auth", ServiceStatus.Unknown, "not probed yet"),
        new("postgres", ServiceStatus.Unknown, "not probed yet"),
        new("redis", ServiceStatus.Unknown, "not probed yet"),
    ];

    public IReadOnlyList<ServiceView> Current => Volatile.Read(ref _current);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            var probes = await Task.WhenAll(
                ProbeHttpAsync("auth", "/health", stoppingToken),
                ProbeHttpAsync("postgres", "/health/postgres", stoppingToken),
                ProbeRedisAsync());
            Volatile.Write(ref _current, probes);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<ServiceView> ProbeHttpAsync(string name, string path, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).GetAsync(path, timeout.Token);
            return response.IsSuccessStatusCode
                ? new ServiceView(name, ServiceStatus.Healthy, "ready")
                : new ServiceView(name, ServiceStatus.Unhealthy, $"health check answered {(int)response.StatusCode}");
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.ProbeFailed(logger, name, exception.Message);
            return new ServiceView(name, name == "postgres" ? ServiceStatus.Unknown : ServiceStatus.Unhealthy, "auth service unreachable");
        }
    }

    private async Task<ServiceView> ProbeRedisAsync()
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(options.Value.Timeout, time);
            return new ServiceView("redis", ServiceStatus.Healthy, $"ping {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return new ServiceView("redis", ServiceStatus.Unhealthy, "not answering");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Health probe of {Service} failed: {Reason}")]
        public static partial void ProbeFailed(ILogger logger, string service, string reason);
    }
}

using System.ComponentModel.DataAnnotations;
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
        new("auth", "unknown", "not probed yet"),
        new("postgres", "unknown", "not probed yet"),
        new("redis", "unknown", "not probed yet"),
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
                ? new ServiceView(name, "healthy", "ready")
                : new ServiceView(name, "unhealthy", $"health check answered {(int)response.StatusCode}");
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.ProbeFailed(logger, name, exception.Message);
            return new ServiceView(name, name == "postgres" ? "unknown" : "unhealthy", "auth service unreachable");
        }
    }

    private async Task<ServiceView> ProbeRedisAsync()
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(options.Value.Timeout, time);
            return new ServiceView("redis", "healthy", $"ping {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return new ServiceView("redis", "unhealthy", "not answering");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Health probe of {Service} failed: {Reason}")]
        public static partial void ProbeFailed(ILogger logger, string service, string reason);
    }
}

public sealed class HealthMonitorOptions
{
    public const string SectionName = "Dashboard:Health";

    [Range(typeof(TimeSpan), "00:00:00.500", "00:05:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The auth service's HTTP (health) endpoint; resolved by service discovery.</summary>
    [Required]
    public Uri AuthAddress { get; set; } = new("http://auth");
}

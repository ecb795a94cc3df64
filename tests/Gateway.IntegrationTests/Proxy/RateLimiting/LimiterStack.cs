using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Proxy.RateLimiting;

/// <summary>
/// One proxy replica's rate limiting against real Redis: a connection of its own (as a separate
/// proxy process has), the proxy's store with its breaker and timeout, its metrics, and an
/// approximate-mode sync that is not started (the test drives the ticks).
/// </summary>
internal sealed class LimiterStack : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private LimiterStack(ServiceProvider provider, ConnectionMultiplexer connection, TimeProvider time, bool sendsClock)
    {
        _provider = provider;
        Connection = connection;
        Time = time;
        Store = provider.GetRequiredService<RedisRateLimitStore>();
        Metrics = provider.GetRequiredService<ProxyMetrics>();
        Sync = new RateLimitSync(Store, Options.Create(new RateLimitingOptions()), time, NullLogger<RateLimitSync>.Instance) { SendsClock = sendsClock };
    }

    public ConnectionMultiplexer Connection { get; }

    public RedisRateLimitStore Store { get; }

    public ProxyMetrics Metrics { get; }

    public RateLimitSync Sync { get; }

    public TimeProvider Time { get; }

    /// <summary>Script calls this stack has sent to Redis so far.</summary>
    public long RedisCalls => Metrics.ReadRateLimitCounters().RedisCalls;

    /// <summary>
    /// Connects with <paramref name="configuration"/>. The Redis timeout is 10 s unless
    /// <paramref name="configure"/> says otherwise: these tests are about accuracy, and a healthy
    /// Redis slowed by a busy 2-core host must not trip the fail mode.
    /// </summary>
    /// <param name="sendsClock">Send <paramref name="time"/> to Redis as the scripts' clock (simulated time).</param>
    public static async Task<LimiterStack> ConnectAsync(
        ConfigurationOptions configuration, TimeProvider? time = null, bool sendsClock = false, Action<RateLimitingOptions>? configure = null)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton<IConnectionMultiplexer>(connection);
        services.AddOptions<RateLimitingOptions>().Configure(options =>
        {
            options.RedisTimeout = TimeSpan.FromSeconds(10);
            configure?.Invoke(options);
        });
        services.AddRedisRateLimitStore();
        return new LimiterStack(services.BuildServiceProvider(), connection, time ?? TimeProvider.System, sendsClock);
    }

    public static Task<LimiterStack> ConnectAsync(string configuration, TimeProvider? time = null, bool sendsClock = false, Action<RateLimitingOptions>? configure = null) =>
        ConnectAsync(ConfigurationOptions.Parse(configuration), time, sendsClock, configure);

    public DistributedRateLimiter Create(RateLimitSpec spec) => new(spec, Store, Time, Metrics, Sync);

    public async ValueTask DisposeAsync()
    {
        Sync.Dispose();
        await _provider.DisposeAsync();
        await Connection.DisposeAsync();
    }
}

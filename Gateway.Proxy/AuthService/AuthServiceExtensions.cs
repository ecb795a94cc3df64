using System.ComponentModel.DataAnnotations;
using Gateway.Auth.V1;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Polly;
using Polly.CircuitBreaker;

namespace Gateway.Proxy.AuthService;

internal sealed class AuthServiceOptions
{
    public const string SectionName = "Gateway:AuthService";

    /// <summary>
    /// The auth service's gRPC address. <c>_grpc.auth</c> asks service discovery for the
    /// <c>grpc</c> (h2c) endpoint of the <c>auth</c> resource.
    /// </summary>
    public Uri Address { get; set; } = new("http://_grpc.auth");

    /// <summary>Deadline of account calls (register, login, keys); password hashing takes a few hundred ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan AccountCallDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Deadline of one <c>ValidateToken</c> call on a cache miss. A call costs the auth service
    /// ~70 µs of CPU and answers in 1-3 ms on a healthy system, but a proxy whose own core is
    /// saturated sees its answers late: on bench/tenants.sh (ten processes sharing one core, 10,000
    /// cold keys) 89 of one replica's first 136 calls missed a 300 ms deadline, the breaker stayed
    /// open for whole warm-up passes and 62% of the requests got 503 although the service was up.
    /// One second keeps a miss's worst wait equal to the lookup queue's
    /// (<see cref="LookupAdmissionOptions.QueueTimeout"/>); a dead service is the breaker's job.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan ValidateDeadline { get; set; } = TimeSpan.FromSeconds(1);

    [Required]
    public BreakerOptions Breaker { get; set; } = new();
}

/// <summary>Circuit breaker around <c>ValidateToken</c>.</summary>
internal sealed class BreakerOptions
{
    /// <summary>Open when at least this share of calls in the sampling window failed...</summary>
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>
    /// ...and at least this many calls were made in it. Twenty, not a handful: a burst of first
    /// requests after a deploy sends dozens of misses at once, and a few late answers among them
    /// must not shut every uncached caller out for a break duration.
    /// </summary>
    [Range(2, 100_000)]
    public int MinimumThroughput { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long calls fail fast before a half-open probe is let through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}

internal static class AuthServiceExtensions
{
    public static IHostApplicationBuilder AddAuthServiceClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthServiceOptions>()
            .BindConfiguration(AuthServiceOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var address = builder.Configuration.GetSection(AuthServiceOptions.SectionName).Get<AuthServiceOptions>()?.Address
            ?? new AuthServiceOptions().Address;

        // No generic HTTP retry handler on gRPC: Login and Register are not idempotent, and a retry
        // storm against a struggling auth service is what the proxy's own breaker prevents.
        // (RemoveAllResilienceHandlers is marked experimental; it is the documented way to undo
        // ConfigureHttpClientDefaults for one client.)
#pragma warning disable EXTEXP0001
        builder.Services.AddGrpcClient<Gateway.Auth.V1.AuthService.AuthServiceClient>(o => o.Address = address)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // One HTTP/2 connection caps concurrent streams; allow more under load.
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(2),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            })
            .RemoveAllResilienceHandlers();
        builder.Services.AddGrpcClient<AdminService.AdminServiceClient>(o => o.Address = address)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddResiliencePipeline(GrpcAuthValidator.PipelineName, (pipeline, context) =>
        {
            var breaker = context.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthServiceOptions>>().Value.Breaker;
            var metrics = context.ServiceProvider.GetRequiredService<ProxyMetrics>();
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Proxy.AuthService.Breaker");
            pipeline.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(GrpcAuthValidator.IsFailure(args.Outcome)),
            }.WithTelemetry("Auth service", metrics.SetAuthBreakerState, logger));
        });

        return builder;
    }
}

using Gateway.Auth.V1;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Polly;
using Polly.CircuitBreaker;

namespace Gateway.Proxy.AuthClients;

/// <summary>The gRPC clients of the auth service, and the circuit breaker around token validation.</summary>
internal static class AuthClientsExtensions
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
        // The runtime configuration's store (RuntimeConfig/): loads, polls and changes.
        builder.Services.AddGrpcClient<ConfigService.ConfigServiceClient>(o => o.Address = address)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddResiliencePipeline(GrpcAuthValidator.PipelineName, (pipeline, context) =>
        {
            var breaker = context.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthServiceOptions>>().Value.Breaker;
            var metrics = context.ServiceProvider.GetRequiredService<ProxyMetrics>();
            var logger = context.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Gateway.Proxy.AuthClients.Breaker");
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

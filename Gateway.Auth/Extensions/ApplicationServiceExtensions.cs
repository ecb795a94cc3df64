using Gateway.Auth.Configuration;
using Gateway.Auth.Data;
using Gateway.Auth.Grpc;
using Gateway.Auth.Invalidation;
using Gateway.Auth.Security;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.Auth.Extensions;

internal static class ApplicationServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<PasswordPolicyOptions>()
            .BindConfiguration(PasswordPolicyOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, DemoPasswordValidation>();
        builder.Services.AddOptions<TokenPurgeOptions>()
            .BindConfiguration(TokenPurgeOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Connection names match the AppHost's resource names.
        builder.AddNpgsqlDataSource("authdb", configureDataSourceBuilder: dataSource =>
        {
            // Short timeouts: a database that is down must turn into UNAVAILABLE quickly, and the
            // proxy's own deadline is a few hundred milliseconds anyway.
            dataSource.ConnectionStringBuilder.Timeout = 3;
            dataSource.ConnectionStringBuilder.CommandTimeout = 5;
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 16;
        });
        // The credential lookups (CredentialStore) get a multiplexing data source of the same
        // connection: concurrent lookups share connections, writes and reads. Multiplexed commands
        // never change session state, so the pool's reset is skipped and prepared statements live.
        // Its health is the pooled one's (same server, same credentials).
        //
        // Not with inline socket completions (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1, a YARP
        // tuning someone may apply to every service): socket continuations then run on the socket
        // engine's own thread, Npgsql's multiplexing write loop continued there after opening a
        // connection and spin-waited, and no socket of the process was served again: the service
        // stopped answering and accepting for good (dotnet-stack on bench/tenants.sh's auth
        // service, 2026-12-03). The pooled path is slower, never stuck.
        var multiplexing = !InlineSocketCompletions();
        builder.AddKeyedNpgsqlDataSource(CredentialStore.DataSourceKey, settings => settings.DisableHealthChecks = true, dataSource =>
        {
            dataSource.ConnectionStringBuilder.Timeout = 3;
            dataSource.ConnectionStringBuilder.CommandTimeout = 5;
            dataSource.ConnectionStringBuilder.Multiplexing = multiplexing;
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 4;
        });
        // Redis only backs login throttling (which fails open): not a readiness dependency.
        builder.AddRedisClient("redis", settings => settings.DisableHealthChecks = true, configureOptions: redis => redis.AbortOnConnectFail = false);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddSingleton<StaleConnections>();
        builder.Services.AddSingleton<AuthStore>();
        builder.Services.AddSingleton<CredentialStore>();
        builder.Services.AddSingleton<PasswordHasher>();
        builder.Services.AddSingleton<CredentialValidator>();
        builder.Services.AddSingleton<CallerAuthenticator>();
        builder.Services.AddSingleton<AuthStatistics>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddOptions<InvalidationOptions>().BindConfiguration(InvalidationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<InvalidationPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InvalidationPublisher>());
        // The dashboard's re-check of signed-in admins (DashboardService), behind its service key.
        builder.Services.AddOptions<DashboardCallerOptions>()
            .BindConfiguration(DashboardCallerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<UserStandingStore>();
        // The gateway's runtime configuration versions (ConfigService) and their change notices.
        builder.Services.AddSingleton<ConfigStore>();
        builder.Services.AddOptions<ConfigChangeOptions>().BindConfiguration(ConfigChangeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConfigChangePublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConfigChangePublisher>());
        builder.Services.AddSingleton<DatabaseInitializer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseInitializer>());
        builder.Services.AddHealthChecks().AddCheck<DatabaseInitializer>("schema");
        builder.Services.AddHostedService<TokenPurgeService>();

        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<ErrorMappingInterceptor>())
            // Configuration documents are up to 512 KiB, far over every other message: ConfigService
            // alone gets a receive limit that fits one (still under Kestrel's MaxRequestBodySize).
            .AddServiceOptions<ConfigGrpcService>(config => config.MaxReceiveMessageSize = ConfigGrpcService.MaxReceiveMessageSize);
        // Message size limits are configuration ("Grpc" in appsettings.json): every field has a small
        // limit, so the largest message accepted is small too, and a bigger one is RESOURCE_EXHAUSTED
        // before it is deserialized.
        builder.Services.AddOptions<GrpcServiceOptions>().BindConfiguration("Grpc")
            .Validate(grpc => grpc.MaxReceiveMessageSize is > 0, "Grpc:MaxReceiveMessageSize must be set to a positive size.")
            .ValidateOnStart();
        // Kestrel's header and request line limits come from "Kestrel:Limits", bound explicitly.
        var kestrelLimits = builder.Configuration.GetSection("Kestrel:Limits");
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure(kestrel => kestrelLimits.Bind(kestrel.Limits))
            // A gRPC message travels in a 5-byte frame; a body limit below ConfigService's largest
            // message would turn a valid PutConfig into a reset stream.
            .Validate(
                kestrel => kestrel.Limits.MaxRequestBodySize is null or >= ConfigGrpcService.MaxReceiveMessageSize + 5,
                $"Kestrel:Limits:MaxRequestBodySize must be at least {ConfigGrpcService.MaxReceiveMessageSize + 5} bytes (ConfigService's largest request).")
            .ValidateOnStart();
        // Malformed request messages are INVALID_ARGUMENT, not UNKNOWN: replace the default method
        // discovery with one whose deserializers say so (see StrictRequestMethodProvider).
        builder.Services.RemoveAll(typeof(IServiceMethodProvider<>));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(StrictRequestMethodProvider<>)));
        builder.Services.AddGrpcHealthChecks();
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddGrpcReflection();
        }

        return builder;
    }

    public static WebApplication MapGrpcServices(this WebApplication app)
    {
        app.MapGrpcService<AuthGrpcService>();
        app.MapGrpcService<AdminGrpcService>();
        app.MapGrpcService<DashboardGrpcService>();
        app.MapGrpcService<ConfigGrpcService>();

        // grpc.health.v1 reports the same checks as HTTP /health.
        app.MapGrpcHealthChecksService();

        // PostgreSQL alone (Aspire.Npgsql's check, named PostgreSql_<connection>), for the
        // operator dashboard, which has no database credentials of its own. Internal endpoint.
        app.MapHealthChecks("/health/postgres", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            Predicate = registration => registration.Name.StartsWith("PostgreSql", StringComparison.Ordinal),
        });
        if (app.Environment.IsDevelopment())
        {
            app.MapGrpcReflectionService();
        }

        return app;
    }

    /// <summary>Whether the runtime completes socket operations on its event thread (the same test the runtime makes).</summary>
    private static bool InlineSocketCompletions() =>
        Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is "1";
}

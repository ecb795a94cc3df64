using Gateway.Auth.Grpc;
using Gateway.Auth.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Auth.Data;

/// <summary>
/// At start-up: applies migrations, then the configured plan limits, then (run mode) the demo
/// users, and warms the credential lookups up (<see cref="CredentialStore.WarmUpAsync"/>). Retries
/// while the database is not reachable; the service reports unhealthy until done.
/// </summary>
internal sealed partial class DatabaseInitializer(
    MigrationRunner migrations,
    AuthStore store,
    CredentialStore credentials,
    PasswordHasher passwordHasher,
    IOptions<AuthOptions> options,
    ILogger<DatabaseInitializer> logger) : BackgroundService, IHealthCheck
{
    private readonly TaskCompletionSource _initialized = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _ready;

    /// <summary>Completes once the schema is migrated and the seed data is in place.</summary>
    public Task Initialized => _initialized.Task;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Database schema not initialised yet."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await InitializeAsync(stoppingToken);
                await credentials.WarmUpAsync(stoppingToken);
                _ready = true;
                _initialized.TrySetResult();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                Log.Retrying(logger, delay, ex.Message);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await migrations.MigrateAsync(cancellationToken);

        foreach (var (name, limit) in options.Value.Plans)
        {
            await store.UpsertPlanAsync(RequestValidation.Plan(name, $"Auth:Plans:{name}"), limit.RequestsPerWindow, limit.WindowSeconds, cancellationToken);
        }

        // Checked against Auth:Passwords at start-up (DemoPasswordValidation).
        if (options.Value.Demo.Password is { Length: > 0 } password)
        {
            await store.EnsureUserAsync("demo", "demo", await passwordHasher.HashAsync(password, cancellationToken), "free", ["user"], cancellationToken);
            await store.EnsureUserAsync("admin", "admin", await passwordHasher.HashAsync(password, cancellationToken), "pro", ["user", CallerAuthenticator.AdminRole], cancellationToken);
            Log.DemoUsers(logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Database not ready, retrying in {Delay}: {Reason}")]
        public static partial void Retrying(ILogger logger, TimeSpan delay, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Demo users 'demo' (free) and 'admin' (pro, admin) are present")]
        public static partial void DemoUsers(ILogger logger);
    }
}

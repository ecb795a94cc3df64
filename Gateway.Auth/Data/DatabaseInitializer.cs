using Gateway.Auth.Configuration;
using Gateway.Auth.Grpc;
using Gateway.Auth.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gateway.Auth.Data;

/// <summary>
/// At start-up: applies migrations, then the configured plan limits (see
/// <see cref="ApplyConfiguredPlansAsync"/>), then (run mode) the demo
/// users, and warms the credential lookups up (<see cref="CredentialStore.WarmUpAsync"/>). Retries
/// while the database is not reachable; the service reports unhealthy until done.
/// </summary>
internal sealed partial class DatabaseInitializer(
    MigrationRunner migrations,
    AuthStore store,
    ConfigStore configVersions,
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
        await ApplyConfiguredPlansAsync(cancellationToken);

        // Checked against Auth:Passwords at start-up (DemoPasswordValidation).
        if (options.Value.Demo.Password is { Length: > 0 } password)
        {
            await store.EnsureUserAsync("demo", "demo", await passwordHasher.HashAsync(password, cancellationToken), "free", ["user"], cancellationToken);
            await store.EnsureUserAsync("admin", "admin", await passwordHasher.HashAsync(password, cancellationToken), "pro", ["user", CallerAuthenticator.AdminRole], cancellationToken);
            Log.DemoUsers(logger);
        }
    }

    /// <summary>
    /// <c>Auth:Plans</c> and the configuration versions (ConfigService) both set plan limits; the
    /// versions win once there is one. While none is stored, the configured plans are applied as
    /// they always were (created or updated): they are what the first version, bootstrapped from a
    /// proxy's file, copies. From then on a change of limits is a new version, and a start-up must
    /// not undo it with an older file: configured plans that do not exist yet are created (a new
    /// plan in the file still appears), existing ones keep their stored limits, and a configured
    /// limit that differs is logged, naming the setting.
    /// </summary>
    private async Task ApplyConfiguredPlansAsync(CancellationToken cancellationToken)
    {
        // In name order, like every writer of several plans, so concurrent writers lock rows in one order.
        var configured = options.Value.Plans
            .Select(plan => (Name: RequestValidation.Plan(plan.Key, $"Auth:Plans:{plan.Key}"), Limit: plan.Value))
            .OrderBy(plan => plan.Name, StringComparer.Ordinal)
            .ToList();
        if (configured.Count == 0)
        {
            return;
        }

        var activeVersion = await configVersions.GetActiveVersionAsync(cancellationToken);
        if (activeVersion == 0)
        {
            foreach (var (name, limit) in configured)
            {
                await store.UpsertPlanAsync(name, limit.RequestsPerWindow, limit.WindowSeconds, cancellationToken);
            }

            return;
        }

        var stored = (await store.ListPlansAsync(cancellationToken)).ToDictionary(plan => plan.Name, StringComparer.Ordinal);
        foreach (var (name, limit) in configured)
        {
            if (!stored.TryGetValue(name, out var plan))
            {
                await store.InsertPlanIfMissingAsync(name, limit.RequestsPerWindow, limit.WindowSeconds, cancellationToken);
            }
            else if (plan.RequestsPerWindow != limit.RequestsPerWindow || plan.WindowSeconds != limit.WindowSeconds)
            {
                Log.ConfiguredPlanNotApplied(
                    logger, $"Auth:Plans:{name}", limit.RequestsPerWindow, limit.WindowSeconds, activeVersion, plan.RequestsPerWindow, plan.WindowSeconds);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information,
            Message = "{Setting} ({RequestsPerWindow} per {WindowSeconds} s) is not applied: configuration versions own plan limits once one exists (active: {ActiveVersion}), and the stored limit stays ({StoredRequestsPerWindow} per {StoredWindowSeconds} s). Change it with a new configuration version.")]
        public static partial void ConfiguredPlanNotApplied(
            ILogger logger, string setting, int requestsPerWindow, int windowSeconds, long activeVersion, int storedRequestsPerWindow, int storedWindowSeconds);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Database not ready, retrying in {Delay}: {Reason}")]
        public static partial void Retrying(ILogger logger, TimeSpan delay, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Demo users 'demo' (free) and 'admin' (pro, admin) are present")]
        public static partial void DemoUsers(ILogger logger);
    }
}

using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Gateway.EndToEndTests.Reliability;

/// <summary>
/// PostgreSQL crashes (SIGKILL of the postmaster and every backend) while users, API keys and plan
/// changes are being written: no write the auth service acknowledged is lost, and a registration
/// that failed is either absent or complete, never half-written.
/// </summary>
/// <remarks>
/// What this proves: the service acknowledges a write only after PostgreSQL committed it durably
/// (no fire-and-forget or cached write), each write is one atomic statement, and crash recovery
/// plus the service's reconnection make every acknowledged write readable again. What it does not
/// prove: survival of an operating-system crash or power loss (a killed process leaves what it
/// wrote in the OS page cache; only a machine crash would test fsync itself).
/// It starts its own app (Redis, PostgreSQL, the auth service; no proxy) with durable settings,
/// because the shared app's throwaway PostgreSQL runs with synchronous_commit off: a commit is
/// acknowledged before its WAL leaves PostgreSQL's memory, so a PostgreSQL crash there does lose
/// acknowledged writes by design (measured: an acknowledged user was missing after the kill).
/// </remarks>
public sealed class PostgresKillTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>Each call gets its own deadline: a call to a dead database must fail, not hang.</summary>
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(10);

    private const string ChangedPlan = "pro";

    private readonly string _dataDirectory = TestPaths.NewTempDirectory("gateway-pgkill");

    private DistributedApplication _app = null!;

    private AuthClients _clients = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(GatewayAppFixture.StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Gateway_AppHost>(
            ["--Infrastructure:Mode=Executables", $"--Infrastructure:DataDirectory={_dataDirectory}"], cts.Token);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Gateway.AppHost.Resources", LogLevel.Warning)
            .AddFilter("Aspire", LogLevel.Warning));

        // Only what the writes go through: fewer processes to start on two shared cores.
        foreach (var project in builder.Resources.OfType<ProjectResource>().Where(p => p.Name != "auth").ToList())
        {
            builder.Resources.Remove(project);
        }

        var auth = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "auth");
        builder.CreateResourceBuilder(auth).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", string.Empty);

        _app = await builder.BuildAsync(cts.Token).WaitAsync(cts.Token);
        await _app.StartAsync(cts.Token).WaitAsync(cts.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("auth", cts.Token).WaitAsync(cts.Token);
        _clients = new AuthClients(_app);
    }

    [Fact]
    public async Task PostmasterKilled_DuringWrites_NoAcknowledgedWriteLost_NoHalfWrittenUser()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var adminToken = await _clients.AdminTokenAsync(_app);
        var accounts = new ConcurrentBag<Account>();

        // Acknowledged well before the crash: the oldest writes must survive too.
        for (var i = 0; i < 2; i++)
        {
            var account = new Account(AuthClients.NewUserName("pgkill"), AuthClients.NewPassword());
            accounts.Add(account);
            await WriteAllAsync(account, adminToken, cts.Token);
            Assert.True(account.PlanChanged, "a write failed before PostgreSQL was killed");
        }

        // Writers keep going through the crash; each records exactly what was acknowledged.
        using var stopWriters = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        var writers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stopWriters.IsCancellationRequested)
            {
                var account = new Account(AuthClients.NewUserName("pgkill"), AuthClients.NewPassword());
                accounts.Add(account);
                await WriteAllAsync(account, adminToken, stopWriters.Token);
            }
        })).ToList();

        var before = accounts.Count;
        await Poll.UntilAsync<object>(
            _ => Task.FromResult<object?>(accounts.Count(a => a.Registered) >= before + 2 ? accounts : null),
            Timeout,
            "writes to be acknowledged while the writers run");

        var postgres = await _app.ResourceNotifications.WaitForResourceHealthyAsync("postgres", cts.Token);
        var launcher = ResourceProcesses.LauncherPid(postgres.Snapshot) ?? throw new InvalidOperationException("postgres has no pid");
        var postmaster = ResourceProcesses.ServerPid(launcher, "postgres -D") ?? throw new InvalidOperationException("no postmaster under the postgres resource");
        try
        {
            ResourceProcesses.KillTree(postmaster);
            await ResourceProcesses.WaitForStoppedAsync(_app, "postgres", cts.Token);

            // Some writes in flight or started after the kill must have failed, or nothing was tested.
            await Poll.UntilAsync<object>(
                _ => Task.FromResult<object?>(accounts.Any(a => a.Failed) ? accounts : null),
                Timeout,
                "a write to fail while PostgreSQL is down");
        }
        finally
        {
            await stopWriters.CancelAsync();
            await Task.WhenAll(writers).WaitAsync(cts.Token);
            await RestartIfStoppedAsync(launcher, cts.Token);
        }

        // The auth service reconnects by itself; its first calls may still meet dead pooled connections.
        var first = accounts.First(a => a.PlanChanged);
        await Poll.UntilAsync<LoginResponse>(
            async ct =>
            {
                try
                {
                    return await LoginAsync(first, ct);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
                {
                    return null;
                }
            },
            Timeout,
            "the auth service to answer again after PostgreSQL restarted");

        await using var database = new NpgsqlConnection(await _app.GetConnectionStringAsync("authdb", cts.Token));
        await database.OpenAsync(cts.Token);
        foreach (var account in accounts)
        {
            await VerifyAsync(account, database, cts.Token);
        }

        Assert.Contains(accounts, a => a.Failed);
        Assert.Contains(accounts, a => a.PlanChanged);
    }

    /// <summary>Register, log in, create an API key, change the plan; stops at the first failure.</summary>
    private async Task WriteAllAsync(Account account, string adminToken, CancellationToken cancellationToken)
    {
        try
        {
            await _clients.Auth.RegisterAsync(new RegisterRequest { UserName = account.UserName, Password = account.Password }, deadline: Deadline(), cancellationToken: cancellationToken);
            account.Registered = true;
            var login = await _clients.Auth.LoginAsync(new LoginRequest { UserName = account.UserName, Password = account.Password }, deadline: Deadline(), cancellationToken: cancellationToken);
            var key = await _clients.Auth.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = login.AccessToken, Name = "pgkill" }, deadline: Deadline(), cancellationToken: cancellationToken);
            account.ApiKey = key.ApiKey;
            await _clients.Admin.SetUserPlanAsync(new SetUserPlanRequest { AccessToken = adminToken, UserName = account.UserName, Plan = ChangedPlan }, deadline: Deadline(), cancellationToken: cancellationToken);
            account.PlanChanged = true;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled)
        {
            // The only acceptable failures while the database is down. Anything else (say
            // UNAUTHENTICATED for a token whose login was acknowledged) fails the writer, and the test.
            account.Failed = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The test stopped the writers; this step was not acknowledged.
        }
    }

    private async Task VerifyAsync(Account account, NpgsqlConnection database, CancellationToken cancellationToken)
    {
        if (!account.Registered)
        {
            // Not acknowledged: absent, or present and complete (the commit raced the crash).
            var rows = await CountUsersAsync(database, account, cancellationToken);
            Assert.True(rows is 0 or 1, $"{account.UserName}: {rows} rows");
            if (rows == 1)
            {
                await LoginAsync(account, cancellationToken);
            }

            return;
        }

        Assert.Equal(1L, await CountUsersAsync(database, account, cancellationToken));
        var login = await LoginAsync(account, cancellationToken);
        if (account.PlanChanged)
        {
            Assert.Equal(ChangedPlan, login.Plan);
        }

        if (account.ApiKey is not null)
        {
            var validated = await _clients.Auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = account.ApiKey }, deadline: Deadline(), cancellationToken: cancellationToken);
            Assert.True(validated.Valid, $"{account.UserName}: acknowledged API key is {validated.Reason}");
            Assert.Equal(account.UserName, validated.Principal.UserName);
            if (account.PlanChanged)
            {
                Assert.Equal(ChangedPlan, validated.Principal.Plan);
            }
        }
    }

    private static async Task<long> CountUsersAsync(NpgsqlConnection database, Account account, CancellationToken cancellationToken)
    {
        await using var count = new NpgsqlCommand("SELECT count(*) FROM users WHERE user_name_normalized = @name", database);
        count.Parameters.AddWithValue("name", account.UserName.ToLowerInvariant());
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<LoginResponse> LoginAsync(Account account, CancellationToken cancellationToken) =>
        await _clients.Auth.LoginAsync(new LoginRequest { UserName = account.UserName, Password = account.Password }, deadline: Deadline(), cancellationToken: cancellationToken);

    private async Task RestartIfStoppedAsync(int oldLauncher, CancellationToken cancellationToken)
    {
        await ResourceProcesses.WaitForStoppedAsync(_app, "postgres", cancellationToken);
        await _app.ResourceCommands.ExecuteCommandAsync("postgres", KnownResourceCommands.StartCommand, cancellationToken);
        await ResourceProcesses.WaitForRestartedAsync(_app, "postgres", oldLauncher, cancellationToken);
    }

    private static DateTime Deadline() => DateTime.UtcNow.Add(CallDeadline);

    public async Task DisposeAsync()
    {
        _clients?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        TestPaths.TryDelete(_dataDirectory);
    }

    /// <summary>What the auth service acknowledged for one user; written by one writer task only.</summary>
    private sealed class Account(string userName, string password)
    {
        public string UserName { get; } = userName;

        public string Password { get; } = password;

        public volatile bool Registered;

        public volatile string? ApiKey;

        public volatile bool PlanChanged;

        public volatile bool Failed;
    }
}

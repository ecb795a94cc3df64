using System.Threading.Channels;
using Gateway.Auth.V1;
using Gateway.Contracts.Configuration;
using Gateway.Proxy.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using ConfigClient = Gateway.Auth.V1.ConfigService.ConfigServiceClient;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// Keeps this replica on the active stored version: loads it before the replica serves anything
/// (offering the configuration file as version 1 to an empty store), then applies each new one,
/// told by the auth service's notice on Redis (<see cref="ConfigChanges"/>) and, should the notice
/// be lost, by polling the active version's number every <see cref="RuntimeConfigOptions.PollInterval"/>.
/// A version is validated here again (<see cref="ConfigDocumentValidator"/>) and applied whole or
/// not at all: a refused one leaves the last good version in force, reported by the health check
/// (degraded), the metrics and the dashboard.
/// </summary>
internal sealed partial class RuntimeConfigSync : BackgroundService, IHealthCheck
{
    private readonly ConfigClient _client;
    private readonly IConnectionMultiplexer _redis;
    private readonly ConfigDocumentValidator _validator;
    private readonly RuntimeConfigState _state;
    private readonly FileConfigSource _file;
    private readonly RuntimeConfigOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RuntimeConfigSync> _logger;
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly Lock _loadGate = new();
    private readonly Channel<long> _notices = Channel.CreateBounded<long>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private volatile string? _storeProblem;

    public RuntimeConfigSync(
        ConfigClient client,
        IConnectionMultiplexer redis,
        ConfigDocumentValidator validator,
        RuntimeConfigState state,
        FileConfigSource file,
        IOptions<RuntimeConfigOptions> options,
        TimeProvider time,
        ProxyMetrics metrics,
        ILogger<RuntimeConfigSync> logger)
    {
        _client = client;
        _redis = redis;
        _validator = validator;
        _state = state;
        _file = file;
        _options = options.Value;
        _time = time;
        _logger = logger;
        metrics.Meter.CreateObservableGauge(
            "gateway.proxy.config.version", () => _state.Current?.Version ?? 0, "{version}", "The runtime configuration version this replica serves (0: its configuration file).");
        metrics.Meter.CreateObservableGauge(
            "gateway.proxy.config.rejected_version", () => _state.Rejected?.Version ?? 0, "{version}", "A newer version this replica refused to apply (0: none).");
    }

    public bool Enabled => _options.Enabled;

    /// <summary>
    /// The first load, synchronously: YARP asks for its first configuration while the app is being
    /// built (MapReverseProxy), before the server listens, and gets the active version.
    /// </summary>
    public void EnsureLoaded()
    {
        if (_state.Current is not null)
        {
            return;
        }

        lock (_loadGate)
        {
            if (_state.Current is null)
            {
                InitialLoadAsync().GetAwaiter().GetResult();
            }
        }
    }

    private async Task InitialLoadAsync()
    {
        var file = _file.Read();
        var fileValidation = await _validator.ValidateAsync(file);
        var fileSnapshot = RuntimeConfigSnapshot.Create(ConfigVersionInfo.File(_time.GetUtcNow()), ConfigDocumentJson.Serialize(file), file);
        if (!_options.Enabled)
        {
            ThrowIfInvalid(fileValidation);
            _state.Apply(fileSnapshot);
            return;
        }

        var deadline = _time.GetUtcNow() + _options.InitialLoadTimeout;
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                var active = await ActiveOrBootstrapAsync(fileSnapshot.Document, fileValidation);
                if (await TryApplyAsync(active, CancellationToken.None, active: true))
                {
                    return;
                }

                break;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
            {
                // An auth service without the configuration store (an older one): retrying will not help.
                _storeProblem = "The auth service has no configuration store (ConfigService unimplemented); serving the configuration file.";
                Log.StoreUnreachable(_logger, TimeSpan.Zero, ex.Status.Detail);
                break;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown)
            {
                _storeProblem = $"The stored configuration could not be loaded ({ex.StatusCode}: {ex.Status.Detail}); serving the configuration file.";
                if (_time.GetUtcNow() + delay > deadline)
                {
                    Log.StoreUnreachable(_logger, _options.InitialLoadTimeout, ex.Status.Detail);
                    break;
                }

                await Task.Delay(delay, _time);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2_000));
            }
        }

        // The store is unreachable, or its active version cannot be applied here: the file, if
        // it is valid, until a version can be (the poll keeps trying).
        ThrowIfInvalid(fileValidation);
        _state.Apply(fileSnapshot);
    }

    private async Task<ConfigVersion> ActiveOrBootstrapAsync(string fileDocument, ConfigValidation fileValidation)
    {
        try
        {
            return await _client.GetActiveConfigAsync(new GetActiveConfigRequest(), deadline: Deadline());
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // A file that cannot be served is not offered to the others either.
            ThrowIfInvalid(fileValidation);
            // Plans are the auth service's to add (its Auth:Plans and plans table).
            var withoutPlans = System.Text.Json.Nodes.JsonNode.Parse(fileDocument)!.AsObject();
            withoutPlans.Remove("plans");
            var stored = await _client.BootstrapConfigAsync(
                new BootstrapConfigRequest { Document = withoutPlans.ToJsonString(), Source = Environment.MachineName + ":" + Environment.ProcessId },
                deadline: Deadline());
            Log.Bootstrapped(_logger, stored.Version, stored.Author);
            return stored;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        await SubscribeAsync(stoppingToken);
        using var poll = new PeriodicTimer(_options.PollInterval, _time);
        var tick = poll.WaitForNextTickAsync(stoppingToken).AsTask();
        var notice = _notices.Reader.WaitToReadAsync(stoppingToken).AsTask();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var woken = await Task.WhenAny(tick, notice);
                await woken;
                if (woken == tick)
                {
                    tick = poll.WaitForNextTickAsync(stoppingToken).AsTask();
                }
                else
                {
                    _notices.Reader.TryRead(out _);
                    notice = _notices.Reader.WaitToReadAsync(stoppingToken).AsTask();
                }

                await CheckAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SubscribeAsync(CancellationToken stoppingToken)
    {
        try
        {
            var queue = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ConfigChanges.Channel));
            queue.OnMessage(message =>
            {
                if (ConfigChanges.TryParse(message.Message, out var version) && version != (_state.Current?.Version ?? 0))
                {
                    _notices.Writer.TryWrite(version);
                }
            });
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException && !stoppingToken.IsCancellationRequested)
        {
            // The multiplexer re-subscribes what it has subscribed once connected; until then the
            // poll alone keeps this replica in step. Tried again on the next start of the loop.
            Log.SubscribeFailed(_logger, ex.Message);
            _ = RetrySubscribeAsync(stoppingToken);
        }
    }

    private async Task RetrySubscribeAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(_options.PollInterval * 5, _time, stoppingToken);
            await SubscribeAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Asks for the active version's number and applies it if this replica serves another.</summary>
    private async Task CheckAsync(CancellationToken stoppingToken)
    {
        try
        {
            var active = (await _client.GetActiveConfigVersionAsync(new GetActiveConfigVersionRequest(), deadline: Deadline(), cancellationToken: stoppingToken)).Version;
            _storeProblem = null;
            var current = _state.Current?.Version ?? 0;
            if (active == 0 || active == current || active == _state.Rejected?.Version)
            {
                return;
            }

            var version = await _client.GetActiveConfigAsync(new GetActiveConfigRequest(), deadline: Deadline(), cancellationToken: stoppingToken);
            await TryApplyAsync(version, stoppingToken, active: true);
        }
        catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            if (_storeProblem is null)
            {
                Log.PollFailed(_logger, ex.StatusCode, ex.Status.Detail);
            }

            _storeProblem = $"The configuration store cannot be reached ({ex.StatusCode}); serving version {_state.Current?.Version ?? 0}.";
        }
    }

    /// <summary>
    /// Validates <paramref name="stored"/> and serves it, unless this replica already serves it or
    /// (unless <paramref name="active"/>) a newer one; false when it is refused (the current version stays).
    /// </summary>
    /// <param name="active">
    /// The store said this is its active version (the poll, the first load): served even if this
    /// replica holds a higher number (a store rebuilt from scratch numbers from 1 again). Otherwise
    /// (a version this replica just stored, answered while a newer one may already be served)
    /// only a newer version replaces the current one.
    /// </param>
    public async Task<bool> TryApplyAsync(ConfigVersion stored, CancellationToken cancellationToken, bool active = false)
    {
        await _applyGate.WaitAsync(cancellationToken);
        try
        {
            if (_state.Current is { Version: > 0 } current && (current.Version == stored.Version || (!active && current.Version > stored.Version)))
            {
                return true;
            }

            var document = ConfigDocumentJson.TryParse(stored.Document, out var parseError);
            var validation = document is null ? null : await _validator.ValidateAsync(document);
            if (document is null || validation is { IsValid: false })
            {
                var error = parseError ?? validation!.ToString();
                _state.Reject(stored.Version, error);
                Log.Rejected(_logger, stored.Version, error);
                return false;
            }

            var info = new ConfigVersionInfo(stored.Version, stored.Author, stored.CreatedAt?.ToDateTimeOffset() ?? _time.GetUtcNow(), stored.Summary, stored.RestoredFrom);
            _state.Apply(RuntimeConfigSnapshot.Create(info, stored.Document, document));
            Log.Applied(_logger, stored.Version, stored.Author, document.Routes.Count, document.Clusters.Count);
            return true;
        }
        finally
        {
            _applyGate.Release();
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // Degraded, never unhealthy: the replica serves its last good version and should stay in rotation.
        var result = _state.Rejected is { } rejected
            ? HealthCheckResult.Degraded($"Version {rejected.Version} was refused ({rejected.Error}); serving version {_state.Current?.Version ?? 0}.")
            : _storeProblem is { } problem && _options.Enabled
                ? HealthCheckResult.Degraded(problem)
                : HealthCheckResult.Healthy($"Serving configuration version {_state.Current?.Version ?? 0}.");
        return Task.FromResult(result);
    }

    private DateTime Deadline() => _time.GetUtcNow().UtcDateTime.Add(_options.CallDeadline);

    private static void ThrowIfInvalid(ConfigValidation validation)
    {
        if (!validation.IsValid)
        {
            throw new InvalidOperationException("The proxy configuration file is invalid: " + validation);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Serving configuration version {Version} (by {Author}): {Routes} routes, {Clusters} clusters.")]
        public static partial void Applied(ILogger logger, long version, string author, int routes, int clusters);

        [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Configuration version {Version} refused; the current version stays in force: {Error}")]
        public static partial void Rejected(ILogger logger, long version, string error);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The stored configuration could not be loaded within {Timeout}; serving the configuration file until it can: {Reason}")]
        public static partial void StoreUnreachable(ILogger logger, TimeSpan timeout, string reason);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "The configuration store was empty; version {Version} stored by {Author}.")]
        public static partial void Bootstrapped(ILogger logger, long version, string author);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Checking the active configuration version failed ({Status}: {Detail}); retrying every poll interval.")]
        public static partial void PollFailed(ILogger logger, StatusCode status, string detail);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Subscribing to configuration notices failed ({Reason}); polling alone until it works.")]
        public static partial void SubscribeFailed(ILogger logger, string reason);
    }
}

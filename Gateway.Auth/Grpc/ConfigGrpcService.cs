using Gateway.Auth.Configuration;
using Gateway.Auth.Data;
using Gateway.Auth.V1;
using Gateway.Contracts.Configuration;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace Gateway.Auth.Grpc;

/// <summary>
/// The gateway's runtime configuration versions (<c>ConfigService</c> in auth.proto). Reads take
/// no credential: like ValidateToken they serve the gateway's own services, and this service is
/// not reachable from outside. PutConfig needs an admin's access token; BootstrapConfig needs
/// none, since it only ever stores version 1 into an empty history.
/// </summary>
/// <remarks>
/// A <c>restored_from</c> that names no version is NOT_FOUND, as auth.proto's header has it for
/// anything a call names that does not exist (and as GetConfigVersion answers for that number).
/// </remarks>
internal sealed partial class ConfigGrpcService(
    ConfigStore store,
    CallerAuthenticator callers,
    ConfigChangePublisher changes,
    DatabaseInitializer database,
    ILogger<ConfigGrpcService> logger) : ConfigService.ConfigServiceBase
{
    /// <summary>
    /// The largest request this service accepts (its own gRPC receive limit): a document at the
    /// limit plus the other fields (token, summary, framing), with room so that a document a little
    /// over the limit is answered INVALID_ARGUMENT, naming the field, rather than RESOURCE_EXHAUSTED.
    /// Must stay under Kestrel's <c>MaxRequestBodySize</c> (1 MiB in appsettings.json).
    /// </summary>
    public const int MaxReceiveMessageSize = ConfigChanges.MaxDocumentBytes + (64 * 1024);

    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 500;

    /// <summary>Longest <c>source</c> of a bootstrap, so that its summary stays within <see cref="ConfigChanges.MaxSummaryLength"/>.</summary>
    public const int MaxSourceLength = 128;

    private const string BootstrapSummaryPrefix = "From the configuration file of ";

    /// <summary>PostgreSQL's class 22, data exceptions: what jsonb refuses that a JSON parser accepts (a number beyond numeric's range).</summary>
    private const string DataExceptionClass = "22";

    public override async Task<ConfigVersion> GetActiveConfig(GetActiveConfigRequest request, ServerCallContext context)
    {
        EnsureReady();
        var active = await store.GetActiveAsync(context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "No configuration version is stored yet."));
        return ToMessage(active);
    }

    public override async Task<GetActiveConfigVersionResponse> GetActiveConfigVersion(GetActiveConfigVersionRequest request, ServerCallContext context)
    {
        EnsureReady();
        return new GetActiveConfigVersionResponse { Version = await store.GetActiveVersionAsync(context.CancellationToken) };
    }

    public override async Task<ConfigVersion> GetConfigVersion(GetConfigVersionRequest request, ServerCallContext context)
    {
        EnsureReady();
        if (request.Version <= 0)
        {
            throw RequestValidation.Invalid("version", "must be positive");
        }

        var row = await store.GetAsync(request.Version, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "version: no such version"));
        return ToMessage(row);
    }

    public override async Task<ListConfigVersionsResponse> ListConfigVersions(ListConfigVersionsRequest request, ServerCallContext context)
    {
        EnsureReady();
        if (request.Limit is < 0 or > MaxListLimit)
        {
            throw RequestValidation.Invalid("limit", $"must be 1-{MaxListLimit}, or 0 for {DefaultListLimit}");
        }

        var beforeVersion = RequestValidation.Version(request.BeforeVersion, "before_version");
        var rows = await store.ListAsync(request.Limit == 0 ? DefaultListLimit : request.Limit, beforeVersion, context.CancellationToken);

        var response = new ListConfigVersionsResponse();
        response.Versions.AddRange(rows.Select(ToMessage));
        return response;
    }

    public override async Task<ConfigVersion> PutConfig(PutConfigRequest request, ServerCallContext context)
    {
        EnsureReady();
        // The author is whoever the token belongs to, never a field of the request.
        var admin = await callers.AuthenticateAdminAsync(request.AccessToken, context.CancellationToken);
        var expectedVersion = RequestValidation.Version(request.ExpectedVersion, "expected_version");
        var restoredFrom = RequestValidation.Version(request.RestoredFrom, "restored_from");
        var summary = RequestValidation.BoundedText(request.Summary, ConfigChanges.MaxSummaryLength, "summary", required: false);
        var plans = ConfigDocument.Validate(request.Document, plansAllowed: true);

        var result = await StorableAsync(() => store.InsertNextAsync(
            expectedVersion, request.Document, admin.UserName, summary, restoredFrom > 0 ? restoredFrom : null, plans, context.CancellationToken));
        switch (result.Outcome)
        {
            case ConfigInsertOutcome.Conflict:
                throw new RpcException(new Status(
                    StatusCode.Aborted,
                    $"expected_version {expectedVersion} is not the active version ({result.ActiveVersion}): read the active version and apply your change to it"));
            case ConfigInsertOutcome.UnknownRestoredFrom:
                throw new RpcException(new Status(StatusCode.NotFound, $"restored_from: no such version (the active version is {result.ActiveVersion})"));
        }

        var stored = result.Stored!;
        Log.Stored(logger, stored.Version, admin.UserId, summary.Length, restoredFrom, plans.Count);
        changes.Announce(stored.Version);
        return ToMessage(stored);
    }

    public override async Task<ConfigVersion> BootstrapConfig(BootstrapConfigRequest request, ServerCallContext context)
    {
        EnsureReady();
        var source = RequestValidation.BoundedText(request.Source, MaxSourceLength, "source", required: true);
        ConfigDocument.Validate(request.Document, plansAllowed: false);

        var (active, created) = await StorableAsync(() => store.BootstrapAsync(request.Document, BootstrapSummaryPrefix + source, context.CancellationToken));
        if (created)
        {
            Log.Bootstrapped(logger, active.Version, source);
            changes.Announce(active.Version);
        }

        return ToMessage(active);
    }

    /// <summary>
    /// Until the start-up work is done (migrations, then the configured plans, which must be in
    /// the plans table before a bootstrap copies it) calls are UNAVAILABLE: retry later.
    /// </summary>
    private void EnsureReady()
    {
        if (!database.Initialized.IsCompletedSuccessfully)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The configuration store is starting. Retry later."));
        }
    }

    /// <summary>A document jsonb refuses although it parsed is the caller's to fix: INVALID_ARGUMENT, not INTERNAL.</summary>
    private static async Task<T> StorableAsync<T>(Func<Task<T>> store)
    {
        try
        {
            return await store();
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith(DataExceptionClass, StringComparison.Ordinal))
        {
            throw RequestValidation.Invalid(ConfigDocument.Field, $"PostgreSQL cannot store it as jsonb: {ex.MessageText}");
        }
    }

    private static ConfigVersion ToMessage(ConfigVersionRow row) => new()
    {
        Version = row.Version,
        Document = row.Document,
        Author = row.Author,
        Summary = row.Summary,
        CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc)),
        RestoredFrom = row.RestoredFrom ?? 0,
    };

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information,
            Message = "Stored configuration version {Version} by admin {AuthorId} (summary of {SummaryLength} characters, restored from {RestoredFrom}, {PlanCount} plans)")]
        public static partial void Stored(ILogger logger, long version, Guid authorId, int summaryLength, long restoredFrom, int planCount);

        [LoggerMessage(Level = LogLevel.Information, Message = "Stored configuration version {Version} from the configuration file of {Source}")]
        public static partial void Bootstrapped(ILogger logger, long version, string source);
    }
}

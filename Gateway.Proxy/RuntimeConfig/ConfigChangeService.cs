using Gateway.Auth.V1;
using Gateway.Proxy.Accounts;
using Gateway.Proxy.Authentication;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ConfigClient = Gateway.Auth.V1.ConfigService.ConfigServiceClient;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// One change through the admin API: read the active version from the store, change it, validate
/// the result, store it as the next version (optimistic: a change that lost the race is re-applied
/// to the new active version, unless the caller pinned one with If-Match), serve it here.
/// </summary>
internal sealed class ConfigChangeService(ConfigClient client, ConfigDocumentValidator validator, RuntimeConfigSync sync, IOptions<RuntimeConfigOptions> options)
{
    /// <summary>"Whatever version is active" (If-Match absent or <c>*</c>).</summary>
    public const long AnyVersion = -1;

    private const int Attempts = 3;

    public async Task<IResult> ApplyAsync(
        HttpContext context, long expected, Func<GatewayConfigDocument, GatewayConfigDocument?> change, bool dryRun, long restoredFrom)
    {
        if (!sync.Enabled)
        {
            return TypedResults.Problem(
                detail: $"This gateway serves its configuration file only ({RuntimeConfigOptions.SectionName}:Enabled=false); changes are not accepted.",
                statusCode: StatusCodes.Status409Conflict);
        }

        // The auth service records the author from the token itself; API keys cannot manage there
        // either, but saying so here is clearer than its "access_token: invalid".
        var token = AccountsApi.BearerToken(context);
        if (!dryRun && (token is null || context.User is GatewayPrincipal { CredentialKind: "api_key" }))
        {
            return TypedResults.Problem(
                detail: "Configuration changes need an admin's access token (Authorization: Bearer gw_at_...); API keys cannot manage.",
                statusCode: StatusCodes.Status403Forbidden);
        }

        for (var attempt = 1; ; attempt++)
        {
            var active = await client.GetActiveConfigAsync(new GetActiveConfigRequest(), deadline: Deadline(), cancellationToken: context.RequestAborted);
            if (expected != AnyVersion && expected != active.Version)
            {
                return Stale(context, expected, active.Version);
            }

            var before = ConfigDocumentJson.TryParse(active.Document, out var error);
            var working = ConfigDocumentJson.TryParse(active.Document, out _);
            if (before is null || working is null)
            {
                return TypedResults.Problem(
                    detail: $"The active version {active.Version} cannot be read by this replica ({error}); restore a version it can read.",
                    statusCode: StatusCodes.Status409Conflict);
            }

            if (change(working) is not { } after)
            {
                return TypedResults.Problem(detail: $"Version {active.Version} has no such entry.", statusCode: StatusCodes.Status404NotFound);
            }

            var validation = await validator.ValidateAsync(after);
            if (!validation.IsValid)
            {
                return TypedResults.ValidationProblem(
                    validation.ToProblemErrors(), detail: "The configuration is invalid; nothing was changed.", title: "Invalid configuration");
            }

            var changes = ConfigDiff.Between(before, after);
            if (dryRun)
            {
                ConfigApi.SetVersionHeaders(context, active.Version);
                return TypedResults.Ok(new DryRun(true, active.Version, changes, validation.Warnings));
            }

            if (changes.Count == 0 && restoredFrom == 0)
            {
                ConfigApi.SetVersionHeaders(context, active.Version);
                return TypedResults.Ok(new Stored(active.Version, active.Author, active.CreatedAt?.ToDateTimeOffset(), active.Summary, changes, validation.Warnings, null));
            }

            var summary = context.Request.Headers[ConfigApi.SummaryHeader].ToString() is { Length: > 0 } given
                ? given
                : restoredFrom != 0 ? $"Rollback to version {restoredFrom}: {ConfigDiff.Summary(changes)}" : ConfigDiff.Summary(changes);

            ConfigVersion stored;
            try
            {
                stored = await client.PutConfigAsync(
                    new PutConfigRequest
                    {
                        AccessToken = token!,
                        ExpectedVersion = active.Version,
                        Document = ConfigDocumentJson.Serialize(after),
                        Summary = summary.Length <= Contracts.Configuration.ConfigChanges.MaxSummaryLength ? summary : summary[..Contracts.Configuration.ConfigChanges.MaxSummaryLength],
                        RestoredFrom = restoredFrom,
                    },
                    deadline: Deadline(),
                    cancellationToken: context.RequestAborted);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Aborted)
            {
                // Another change landed between our read and our write.
                if (expected != AnyVersion || attempt == Attempts)
                {
                    var now = await client.GetActiveConfigVersionAsync(new GetActiveConfigVersionRequest(), deadline: Deadline(), cancellationToken: context.RequestAborted);
                    return Stale(context, expected == AnyVersion ? active.Version : expected, now.Version);
                }

                continue;
            }

            // Served here before the answer: a GET that follows on this replica sees it.
            await sync.TryApplyAsync(stored, context.RequestAborted);
            ConfigApi.SetVersionHeaders(context, stored.Version);
            return TypedResults.Ok(new Stored(
                stored.Version, stored.Author, stored.CreatedAt?.ToDateTimeOffset(), stored.Summary, changes, validation.Warnings, restoredFrom == 0 ? null : restoredFrom));
        }
    }

    private static IResult Stale(HttpContext context, long expected, long active)
    {
        context.Response.Headers.ETag = ConfigApi.Etag(active);
        return TypedResults.Problem(
            detail: $"The change was made against version {expected}, but version {active} is active: read it (GET /gateway/config), apply the change to it and send it with If-Match: \"{active}\".",
            statusCode: StatusCodes.Status412PreconditionFailed);
    }

    private DateTime Deadline() => DateTime.UtcNow.Add(options.Value.CallDeadline);

    internal sealed record DryRun(bool DryRunOnly, long BaseVersion, IReadOnlyList<string> Changes, IReadOnlyList<string> Warnings);

    internal sealed record Stored(
        long Version, string Author, DateTimeOffset? CreatedAt, string Summary, IReadOnlyList<string> Changes, IReadOnlyList<string> Warnings, long? RestoredFrom);
}

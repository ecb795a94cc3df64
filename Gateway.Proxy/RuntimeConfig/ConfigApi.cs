using System.Globalization;
using System.Text;
using Gateway.Auth.V1;
using Gateway.Contracts.Configuration;
using Gateway.Proxy.Accounts;
using Gateway.Proxy.Authorization;
using Gateway.Proxy.Limits;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Telemetry;
using Grpc.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using ConfigClient = Gateway.Auth.V1.ConfigService.ConfigServiceClient;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// The admin API of the runtime configuration, under <c>/gateway/config</c> (the <c>admin</c>
/// policy): the active version and its history, changes to one route, cluster, policy or plan
/// or to the whole document, dry runs and rollbacks. Every change is validated here with the
/// validators every replica applies it with, stored by the auth service as a new version (the
/// author is the admin whose access token made it), and served by this replica before the answer
/// is sent; the other replicas follow within a second (<see cref="RuntimeConfigSync"/>).
/// </summary>
/// <remarks>
/// <para>Optimistic concurrency: the ETag is the version (<c>"12"</c>). A whole-document
/// <c>PUT</c> needs <c>If-Match</c> (428 without, 412 when stale); a change to one entity may
/// send it (then 412 when stale) or not (then it applies to whatever version is active, and is
/// re-applied if another change lands in between).</para>
/// </remarks>
internal static class ConfigApi
{
    public const string Path = "/gateway/config";

    /// <summary>Optional request header: the change's summary in the author's words (otherwise the list of entities changed).</summary>
    public const string SummaryHeader = "Gateway-Change-Summary";

    /// <summary>The OpenAPI document of this API (admin only): <c>/gateway/openapi/admin.json</c>.</summary>
    public const string OpenApiDocument = "admin";

    private static readonly string[] Sections = ["routes", "clusters", "authorizationPolicies", "rateLimitPolicies", "plans"];

    public static IEndpointRouteBuilder MapConfigApi(this IEndpointRouteBuilder app)
    {
        var config = app.MapGroup(Path)
            .WithTags("Configuration")
            .RequireAuthorization(ConfigDocumentValidator.AdminPolicy)
            .WithMetadata(GatewayEndpointRoute.Configuration)
            .WithMetadata(new RequestBodySizeLimit(ConfigChanges.MaxDocumentBytes))
            .AddEndpointFilter(async (context, next) =>
            {
                try
                {
                    return await next(context);
                }
                catch (RpcException ex)
                {
                    return GrpcProblems.ToProblem(ex, context.HttpContext);
                }
            });

        config.MapGet("/", GetActive).WithSummary("The version this replica serves, as a document; ETag: its number.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json");
        config.MapPut("/", PutDocumentAsync).WithSummary("Replaces the whole configuration (If-Match required; ?dryRun=true validates only).")
            .Accepts<System.Text.Json.JsonElement>("application/json").Changes();
        config.MapGet("/versions", ListVersionsAsync).WithSummary("The stored versions, newest first (?limit=, ?before=).")
            .Produces<List<VersionEntry>>();
        config.MapGet("/versions/{version:long}", GetVersionAsync).WithSummary("One stored version's document.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status404NotFound);
        config.MapPost("/versions/{version:long}/restore", RestoreAsync).WithSummary("Rollback: stores that version's document as the new active version.")
            .Changes().ProducesProblem(StatusCodes.Status404NotFound);
        config.MapGet("/{section}/{name}", GetEntity).WithSummary("One route, cluster, policy or plan of the version this replica serves.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status404NotFound);
        config.MapPut("/{section}/{name}", PutEntityAsync).WithSummary("Adds or replaces one route, cluster, policy or plan.")
            .Accepts<System.Text.Json.JsonElement>("application/json").Changes();
        config.MapDelete("/{section}/{name}", DeleteEntityAsync).WithSummary("Removes one route, cluster or policy (plans are never removed: users may be on them).")
            .Changes().ProducesProblem(StatusCodes.Status404NotFound);

        // The document describes this API alone (ShouldInclude in AddConfigApiDocument).
        app.MapOpenApi("/gateway/openapi/{documentName}.json")
            .RequireAuthorization(ConfigDocumentValidator.AdminPolicy)
            .WithMetadata(GatewayEndpointRoute.Configuration);
        return app;
    }

    private static IResult GetActive(HttpContext context, RuntimeConfigState state)
    {
        var served = state.Current!;
        SetVersionHeaders(context, served.Version);
        return Document(served.Document);
    }

    private static IResult GetEntity(string section, string name, HttpContext context, RuntimeConfigState state)
    {
        var served = state.Current!;
        if (!Sections.Contains(section, StringComparer.Ordinal))
        {
            return UnknownSection(section);
        }

        var entity = Entity(served.Config, section, name);
        if (entity is null)
        {
            return TypedResults.Problem(detail: $"Version {served.Version} has no {section}.{name}.", statusCode: StatusCodes.Status404NotFound);
        }

        SetVersionHeaders(context, served.Version);
        return TypedResults.Text(System.Text.Json.JsonSerializer.Serialize(entity, entity.GetType(), ConfigDocumentJson.Options), "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> ListVersionsAsync(ConfigClient client, IOptions<RuntimeConfigOptions> options, int? limit, long? before, CancellationToken cancellationToken)
    {
        var reply = await client.ListConfigVersionsAsync(
            new ListConfigVersionsRequest { Limit = limit ?? 0, BeforeVersion = before ?? 0 }, deadline: Deadline(options), cancellationToken: cancellationToken);
        return TypedResults.Ok(reply.Versions.Select(v => new VersionEntry(
            v.Version, v.Author, v.CreatedAt?.ToDateTimeOffset(), v.Summary, v.RestoredFrom == 0 ? null : v.RestoredFrom)).ToList());
    }

    private static async Task<IResult> GetVersionAsync(long version, HttpContext context, ConfigClient client, IOptions<RuntimeConfigOptions> options, CancellationToken cancellationToken)
    {
        var stored = await client.GetConfigVersionAsync(new GetConfigVersionRequest { Version = version }, deadline: Deadline(options), cancellationToken: cancellationToken);
        SetVersionHeaders(context, stored.Version);
        return Document(stored.Document);
    }

    private static async Task<IResult> PutDocumentAsync(HttpContext context, ConfigChangeService changes, bool? dryRun)
    {
        if (ReadIfMatch(context, out var expected) is { } bad)
        {
            return bad;
        }

        if (expected is null)
        {
            return TypedResults.Problem(
                detail: "Replacing the whole configuration needs If-Match with the version it was edited from (the ETag of GET /gateway/config); use \"*\" to replace whatever is active.",
                statusCode: StatusCodes.Status428PreconditionRequired);
        }

        var body = await ReadBodyAsync(context);
        if (body.Problem is { } problem)
        {
            return problem;
        }

        var document = ConfigDocumentJson.TryParse(body.Text!, out var error);
        if (document is null)
        {
            return Invalid("document", error!);
        }

        return await changes.ApplyAsync(context, expected.Value, _ => document, dryRun == true, restoredFrom: 0);
    }

    private static async Task<IResult> PutEntityAsync(string section, string name, HttpContext context, ConfigChangeService changes, bool? dryRun)
    {
        if (!Sections.Contains(section, StringComparer.Ordinal))
        {
            return UnknownSection(section);
        }

        if (ReadIfMatch(context, out var expected) is { } bad)
        {
            return bad;
        }

        var body = await ReadBodyAsync(context);
        if (body.Problem is { } problem)
        {
            return problem;
        }

        string? error = null;
        object? entity = section switch
        {
            "routes" => ConfigDocumentJson.TryParseEntity<RouteConfig>(body.Text!, out error),
            "clusters" => ConfigDocumentJson.TryParseEntity<ClusterConfig>(body.Text!, out error),
            "authorizationPolicies" => ConfigDocumentJson.TryParseEntity<RoutePolicyOptions>(body.Text!, out error),
            "rateLimitPolicies" => ConfigDocumentJson.TryParseEntity<RateLimitPolicyOptions>(body.Text!, out error),
            _ => ConfigDocumentJson.TryParseEntity<PlanSettings>(body.Text!, out error),
        };
        if (entity is null)
        {
            return Invalid($"{section}.{name}", error!);
        }

        return await changes.ApplyAsync(context, expected ?? ConfigChangeService.AnyVersion, document => With(document, section, name, entity), dryRun == true, restoredFrom: 0);
    }

    private static async Task<IResult> DeleteEntityAsync(string section, string name, HttpContext context, ConfigChangeService changes, bool? dryRun)
    {
        if (!Sections.Contains(section, StringComparer.Ordinal))
        {
            return UnknownSection(section);
        }

        if (section == "plans")
        {
            return TypedResults.Problem(
                detail: "Plans are not removed through the configuration: users may be on them. Move them to another plan (AdminService.SetUserPlan) and leave the plan unused.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        if (ReadIfMatch(context, out var expected) is { } bad)
        {
            return bad;
        }

        return await changes.ApplyAsync(context, expected ?? ConfigChangeService.AnyVersion, document => Entity(document, section, name) is null ? null : With(document, section, name, entity: null), dryRun == true, restoredFrom: 0);
    }

    private static async Task<IResult> RestoreAsync(long version, HttpContext context, ConfigChangeService changes, ConfigClient client, IOptions<RuntimeConfigOptions> options, bool? dryRun, CancellationToken cancellationToken)
    {
        if (ReadIfMatch(context, out var expected) is { } bad)
        {
            return bad;
        }

        var stored = await client.GetConfigVersionAsync(new GetConfigVersionRequest { Version = version }, deadline: Deadline(options), cancellationToken: cancellationToken);
        var document = ConfigDocumentJson.TryParse(stored.Document, out var error);
        if (document is null)
        {
            return Invalid("document", $"Version {version} cannot be read by this replica: {error}");
        }

        return await changes.ApplyAsync(context, expected ?? ConfigChangeService.AnyVersion, _ => document, dryRun == true, restoredFrom: version);
    }

    /// <summary>The OpenAPI document of the admin API.</summary>
    public static IServiceCollection AddConfigApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(OpenApiDocument, options =>
        {
            options.ShouldInclude = api => api.RelativePath?.StartsWith(Path.TrimStart('/'), StringComparison.OrdinalIgnoreCase) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Gateway admin API: runtime configuration";
                document.Info.Description = "Routes, clusters, policies and plans as numbered versions (docs/configuration.md). Admin role; changes need an access token.";
                return Task.CompletedTask;
            });
        });

    /// <summary>What every change may answer.</summary>
    private static RouteHandlerBuilder Changes(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<ConfigChangeService.Stored>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed)
        .ProducesProblem(StatusCodes.Status428PreconditionRequired)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>The document with one entity set (or removed, for null).</summary>
    private static GatewayConfigDocument With(GatewayConfigDocument document, string section, string name, object? entity)
    {
        switch (section)
        {
            case "routes":
                Set(document.Routes, name, entity is RouteConfig route ? route with { RouteId = name } : null);
                break;
            case "clusters":
                Set(document.Clusters, name, entity is ClusterConfig cluster ? cluster with { ClusterId = name } : null);
                break;
            case "authorizationPolicies":
                Set(document.AuthorizationPolicies, name, entity as RoutePolicyOptions);
                break;
            case "rateLimitPolicies":
                Set(document.RateLimitPolicies, name, entity as RateLimitPolicyOptions);
                break;
            default:
                Set(document.Plans, name, entity as PlanSettings);
                break;
        }

        // Through Normalize again: the entity's maps ignore case like the rest.
        return ConfigDocumentJson.Normalize(document);
    }

    private static void Set<T>(Dictionary<string, T> section, string name, T? value)
        where T : class
    {
        if (value is null)
        {
            section.Remove(name);
        }
        else
        {
            section[name] = value;
        }
    }

    private static object? Entity(GatewayConfigDocument document, string section, string name) => section switch
    {
        "routes" => document.Routes.GetValueOrDefault(name),
        "clusters" => document.Clusters.GetValueOrDefault(name),
        "authorizationPolicies" => document.AuthorizationPolicies.GetValueOrDefault(name),
        "rateLimitPolicies" => document.RateLimitPolicies.GetValueOrDefault(name),
        "plans" => document.Plans.GetValueOrDefault(name),
        _ => null,
    };

    /// <summary><c>If-Match: "12"</c> (or <c>*</c>); null when absent. A malformed one is a 400.</summary>
    private static IResult? ReadIfMatch(HttpContext context, out long? expected)
    {
        expected = null;
        var header = context.Request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return null;
        }

        var value = header.Count == 1 ? header[0]!.Trim() : string.Empty;
        if (value == "*")
        {
            expected = ConfigChangeService.AnyVersion;
            return null;
        }

        if (value.Length > 2 && value[0] == '"' && value[^1] == '"'
            && long.TryParse(value.AsSpan(1, value.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            expected = version;
            return null;
        }

        return TypedResults.Problem(detail: "If-Match must be one ETag of GET /gateway/config (\"12\") or *.", statusCode: StatusCodes.Status400BadRequest);
    }

    private static async Task<(string? Text, IResult? Problem)> ReadBodyAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(detail: "The body must be JSON (Content-Type: application/json).", statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        try
        {
            return (await reader.ReadToEndAsync(context.RequestAborted), null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TypedResults.Problem(detail: $"A configuration document is at most {ConfigChanges.MaxDocumentBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge));
        }
    }

    /// <summary>A stored document, indented for people reading it with curl (PostgreSQL keeps it on one line).</summary>
    private static IResult Document(string json) =>
        TypedResults.Text(System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString(ConfigDocumentJson.Options), "application/json", Encoding.UTF8);

    internal static void SetVersionHeaders(HttpContext context, long version)
    {
        context.Response.Headers.ETag = Etag(version);
        context.Response.Headers.CacheControl = "no-store";
    }

    internal static string Etag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    internal static IResult Invalid(string at, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [at] = [message] }, detail: "The configuration is invalid; nothing was changed.");

    private static ProblemHttpResult UnknownSection(string section) => TypedResults.Problem(
        detail: $"'{section}' is not a section; the sections are {string.Join(", ", Sections)}.", statusCode: StatusCodes.Status404NotFound);

    private static DateTime Deadline(IOptions<RuntimeConfigOptions> options) => DateTime.UtcNow.Add(options.Value.CallDeadline);

    internal sealed record VersionEntry(long Version, string Author, DateTimeOffset? CreatedAt, string Summary, long? RestoredFrom);
}

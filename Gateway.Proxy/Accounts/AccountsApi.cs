using Gateway.Auth.V1;
using Gateway.Contracts.Credentials;
using Gateway.Proxy.AuthClients;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Limits;
using Gateway.Proxy.Telemetry;
using Gateway.ServiceDefaults.ClientAddresses;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using AuthClient = Gateway.Auth.V1.AuthService.AuthServiceClient;

namespace Gateway.Proxy.Accounts;

/// <summary>
/// The public JSON face of the auth service: sign-up, login, logout and API keys. Each endpoint is
/// one gRPC call; gRPC status codes become problem details (see <see cref="GrpcProblems"/>).
/// </summary>
internal static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/auth")
            .WithTags("Accounts")
            .WithMetadata(GatewayEndpointRoute.Accounts)
            // Per client address, so password guessing and sign-up floods are bounded per client.
            .RequireRateLimiting("auth-endpoints")
            // A user name and a password fit in a few hundred bytes: refuse big bodies before reading them.
            .WithAccountsBodyLimit(app.ServiceProvider)
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

        accounts.MapPost("/register", RegisterAsync);
        accounts.MapPost("/login", LoginAsync);
        accounts.MapPost("/logout", LogoutAsync);
        accounts.MapPost("/keys", CreateKeyAsync);
        accounts.MapGet("/keys", ListKeysAsync);
        accounts.MapDelete("/keys/{id}", RevokeKeyAsync);

        return app;
    }

    private static async Task<IResult> RegisterAsync(
        RegisterBody body, AuthClient client, IOptions<AuthServiceOptions> options, CancellationToken cancellationToken)
    {
        var reply = await client.RegisterAsync(
            new RegisterRequest { UserName = body.UserName ?? string.Empty, Password = body.Password ?? string.Empty },
            deadline: Deadline(options), cancellationToken: cancellationToken);
        return TypedResults.Created((string?)null, new RegisteredUser(reply.UserId, reply.UserName, reply.Plan));
    }

    private static async Task<IResult> LoginAsync(
        LoginBody body, HttpContext context, AuthClient client, ClientAddressResolver clients, ProxyMetrics metrics,
        IOptions<AuthServiceOptions> options, CancellationToken cancellationToken)
    {
        LoginResponse reply;
        try
        {
            reply = await client.LoginAsync(
                new LoginRequest
                {
                    UserName = body.UserName ?? string.Empty,
                    Password = body.Password ?? string.Empty,
                    // The client's group as every per-client limit sees it (the socket, or a trusted
                    // proxy's X-Forwarded-For): a client cannot pick its own throttling bucket, and
                    // clients behind a load balancer do not share one.
                    ClientAddress = clients.Key(context),
                },
                deadline: Deadline(options), cancellationToken: cancellationToken);
            metrics.LoginRelayed(throttled: false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
        {
            metrics.LoginRelayed(throttled: true);
            throw;
        }

        // Tokens must not be cached by anything between the gateway and the client.
        context.Response.Headers.CacheControl = "no-store";
        var expiresAt = reply.ExpiresAt.ToDateTimeOffset();
        return TypedResults.Ok(new IssuedToken(
            reply.AccessToken,
            "Bearer",
            expiresAt,
            (long)Math.Max(0, (expiresAt - DateTimeOffset.UtcNow).TotalSeconds),
            reply.UserId,
            reply.Plan));
    }

    private static async Task<IResult> LogoutAsync(
        HttpContext context, AuthClient client, IOptions<AuthServiceOptions> options, CancellationToken cancellationToken)
    {
        if (BearerToken(context) is not { } token)
        {
            return MissingBearer(context);
        }

        // Idempotent: an unknown or already revoked token is logged out too.
        await client.RevokeTokenAsync(new RevokeTokenRequest { AccessToken = token }, deadline: Deadline(options), cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> CreateKeyAsync(
        CreateKeyBody body, HttpContext context, AuthClient client, IOptions<AuthServiceOptions> options, CancellationToken cancellationToken)
    {
        if (BearerToken(context) is not { } token)
        {
            return MissingBearer(context);
        }

        var reply = await client.CreateApiKeyAsync(
            new CreateApiKeyRequest { AccessToken = token, Name = body.Name ?? string.Empty },
            deadline: Deadline(options), cancellationToken: cancellationToken);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/auth/keys/{reply.Info.Id}", new CreatedKey(reply.ApiKey, ToKey(reply.Info)));
    }

    private static async Task<IResult> ListKeysAsync(
        HttpContext context, AuthClient client, IOptions<AuthServiceOptions> options, CancellationToken cancellationToken)
    {
        if (BearerToken(context) is not { } token)
        {
            return MissingBearer(context);
        }

        var reply = await client.ListApiKeysAsync(
            new ListApiKeysRequest { AccessToken = token }, deadline: Deadline(options), cancellationToken: cancellationToken);
        return TypedResults.Ok(reply.Keys.Select(ToKey).ToList());
    }

    private static async Task<IResult> RevokeKeyAsync(
        string id, HttpContext context, AuthClient client, IOptions<AuthServiceOptions> options, CancellationToken cancellationToken)
    {
        if (BearerToken(context) is not { } token)
        {
            return MissingBearer(context);
        }

        await client.RevokeApiKeyAsync(
            new RevokeApiKeyRequest { AccessToken = token, KeyId = id }, deadline: Deadline(options), cancellationToken: cancellationToken);
        return TypedResults.NoContent();
    }

    private static DateTime Deadline(IOptions<AuthServiceOptions> options) => DateTime.UtcNow.Add(options.Value.AccountCallDeadline);

    /// <summary>The token of an <c>Authorization: Bearer &lt;token&gt;</c> header, or null.</summary>
    internal static string? BearerToken(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        return header.Count == 1 && BearerHeader.TryParse(header[0], out var token) && token.Length <= CredentialFormat.MaxLength
            ? CredentialReader.Text(header[0]!, token)
            : null;
    }

    private static IResult MissingBearer(HttpContext context)
    {
        context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return TypedResults.Problem(detail: "An 'Authorization: Bearer <token>' header is required.", statusCode: StatusCodes.Status401Unauthorized);
    }

    private static ApiKey ToKey(ApiKeyInfo info) => new(
        info.Id, info.Name, info.Prefix, info.CreatedAt.ToDateTimeOffset(), info.RevokedAt?.ToDateTimeOffset());

    internal sealed record RegisterBody(string? UserName, string? Password);

    internal sealed record LoginBody(string? UserName, string? Password);

    internal sealed record CreateKeyBody(string? Name);

    internal sealed record RegisteredUser(string UserId, string UserName, string Plan);

    internal sealed record IssuedToken(string AccessToken, string TokenType, DateTimeOffset ExpiresAt, long ExpiresIn, string UserId, string Plan);

    internal sealed record ApiKey(string Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

    internal sealed record CreatedKey(string ApiKey, ApiKey Key);
}

using Gateway.Auth.V1;
using Gateway.Contracts.Credentials;
using Grpc.Core;
using Grpc.Net.Client;

// The token-check endpoint an nginx gateway's `auth_request` calls (bench/tenants.sh's nginx peer
// row): what a team that fronts the auth service with nginx writes. GET /check reads the caller's
// credential (Authorization: Bearer ... or X-Api-Key), asks the auth service's ValidateToken and
// answers 200 with the identity in headers (nginx copies them with auth_request_set) or 401.
// nginx caches these answers per credential (proxy_cache), so only its misses arrive here.
// GET /stats: ValidateToken calls so far, read by the benchmark like the proxies' diagnostics.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var address = builder.Configuration["AuthService:Address"]
    ?? throw new InvalidOperationException("AuthService:Address (the auth service's gRPC address) is required.");
// Like the proxy's client: h2c, more HTTP/2 connections only when one's stream limit is reached.
var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(2) },
});
var client = new AuthService.AuthServiceClient(channel);
var deadline = TimeSpan.FromMilliseconds(builder.Configuration.GetValue("AuthService:DeadlineMs", 1000));
long calls = 0;

var app = builder.Build();

app.MapGet("/check", async (HttpContext context) =>
{
    var credential = Credential(context.Request);
    if (credential is null)
    {
        return Results.StatusCode(StatusCodes.Status401Unauthorized);
    }

    Interlocked.Increment(ref calls);
    try
    {
        var reply = await client.ValidateTokenAsync(
            new ValidateTokenRequest { Credential = credential },
            deadline: DateTime.UtcNow + deadline,
            cancellationToken: context.RequestAborted);
        if (!reply.Valid)
        {
            return Results.StatusCode(StatusCodes.Status401Unauthorized);
        }

        var headers = context.Response.Headers;
        headers["X-User-Id"] = reply.Principal.UserId;
        headers["X-User-Name"] = reply.Principal.UserName;
        headers["X-User-Plan"] = reply.Principal.Plan;
        return Results.Ok();
    }
    catch (RpcException ex)
    {
        app.Logger.LogWarning("ValidateToken failed: {StatusCode}", ex.StatusCode);
        // nginx turns any answer but 2xx, 401 and 403 into a 500 for the client.
        return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
    }
});

app.MapGet("/stats", () => Results.Text($"{{\"validateCalls\":{Interlocked.Read(ref calls)}}}", "application/json"));

app.Run();

static string? Credential(HttpRequest request)
{
    string? authorization = request.Headers.Authorization;
    if (BearerHeader.TryParse(authorization, out var token))
    {
        return token.Length <= CredentialFormat.MaxLength ? token.ToString() : null;
    }

    string? apiKey = request.Headers["X-Api-Key"];
    return apiKey is { Length: > 0 and <= CredentialFormat.MaxLength } ? apiKey : null;
}

using System.Globalization;
using System.Text.Encodings.Web;
using Gateway.Proxy.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c> through the
/// auth service, answering from <see cref="AuthCache"/> when it can (no network call, no await).
/// A miss goes through <see cref="CredentialLookups"/>: a client that has spent its failed-credential
/// budget is refused (429) before the auth service is asked.
/// Challenges are RFC 9457 problem details: 401 with <c>WWW-Authenticate: Bearer</c> for a missing
/// or bad credential, 503 with <c>Retry-After</c> when the auth service could not answer (or this
/// replica's lookup slots were busy), 429 with <c>Retry-After</c> when the client's were.
/// </summary>
internal sealed partial class GatewayAuthenticationHandler(
    IOptionsMonitor<GatewayAuthenticationOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AuthCache cache,
    CredentialLookups lookups,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<GatewayAuthenticationOptions>(options, loggerFactory, encoder)
{
    private static readonly Task<AuthenticateResult> NoCredential = Task.FromResult(AuthenticateResult.NoResult());
    private static readonly Task<AuthenticateResult> InvalidCredential = Task.FromResult(AuthenticateResult.Fail("The credential is not valid."));

    private string? _failure;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        switch (CredentialReader.Read(Request.Headers, out var source, out var credential, out var problem))
        {
            case CredentialPresence.None:
                return NoCredential;
            case CredentialPresence.Malformed:
                return Fail(problem!);
        }

        if (!CredentialReader.IsLookupCandidate(credential))
        {
            return Rejected("The credential is not valid.");
        }

        var cacheKey = CredentialReader.KeyOf(Context, source, credential);
        if (cache.TryGet(cacheKey, out var principal, out var refreshDue))
        {
            if (principal is null)
            {
                return Rejected("The credential is not valid.");
            }

            if (refreshDue)
            {
                lookups.Refresh(cacheKey, CredentialReader.Text(source, credential), Context);
            }

            return principal.Authenticated;
        }

        return ValidateAsync(cacheKey, CredentialReader.Text(source, credential));
    }

    private async Task<AuthenticateResult> ValidateAsync(CredentialKey key, string credential)
    {
        var lookup = await lookups.ValidateAsync(key, credential, Context, Context.RequestAborted);
        switch (lookup.Status)
        {
            case AuthLookupStatus.Valid:
                return AuthenticateResult.Success(lookup.Principal!.Ticket);
            case AuthLookupStatus.Invalid:
                const string reason = "The credential is not valid, has expired or was revoked.";
                MarkRejected(reason);
                return AuthenticateResult.Fail(reason);
            case AuthLookupStatus.Refused when lookup.Refusal == LookupRefusal.OverBudget && FailedCredentialLimiter.WasRefused(Context):
                // The failed-credential limiter answers this request with its refusal (429).
                MarkRejected("Too many invalid credentials from this client.");
                return AuthenticateResult.Fail("The client's failed-credential budget is spent.");
            case AuthLookupStatus.Refused when lookup.Refusal is LookupRefusal.OverBudget or LookupRefusal.ClientBusy:
                Context.Items[GatewayAuthentication.ClientBusyItemKey] = lookup.RetryAfter;
                return AuthenticateResult.Fail("Too many credential checks from this client at once.");
            default:
                Context.Items[GatewayAuthentication.UnavailableItemKey] = lookup.RetryAfter;
                Log.Unavailable(Logger, key);
                return AuthenticateResult.Fail("The auth service is unavailable.");
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.TryGetValue(GatewayAuthentication.UnavailableItemKey, out var value) && value is TimeSpan retryAfter)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
            await WriteProblemAsync("Authentication is temporarily unavailable. Retry later.");
            return;
        }

        if (FailedCredentialLimiter.Refusal(Context) is { } refusal)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = RetryAfterSeconds(refusal.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1));
            await WriteProblemAsync("Too many invalid credentials from this client. Retry after the number of seconds in Retry-After.");
            return;
        }

        if (Context.Items.TryGetValue(GatewayAuthentication.ClientBusyItemKey, out value) && value is TimeSpan busyFor)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = RetryAfterSeconds(busyFor);
            await WriteProblemAsync("Too many credential checks from this client at once. Retry after the number of seconds in Retry-After.");
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = _failure is null ? "Bearer" : "Bearer error=\"invalid_token\"";
        await WriteProblemAsync(_failure ?? "A credential is required: 'Authorization: Bearer <token>' or 'X-Api-Key: <key>'.");
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblemAsync("The caller's role or plan does not allow this route.");
    }

    private static string RetryAfterSeconds(TimeSpan retryAfter) =>
        Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private Task<AuthenticateResult> Fail(string reason)
    {
        MarkRejected(reason);
        return Task.FromResult(AuthenticateResult.Fail(reason));
    }

    private Task<AuthenticateResult> Rejected(string reason)
    {
        MarkRejected(reason);
        return InvalidCredential;
    }

    /// <summary>
    /// Remembers that the caller presented a credential that is definitely not valid, so that the
    /// failed-credential limit applies to this request whatever its route (token guessing).
    /// </summary>
    private void MarkRejected(string reason)
    {
        _failure = reason;
        Context.Items[GatewayAuthentication.RejectedCredentialItemKey] = true;
    }

    private async Task WriteProblemAsync(string detail)
    {
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = Response.StatusCode, Detail = detail },
        });
    }

    private static partial class Log
    {
        // Debug, not Warning: during an outage this is every uncached request (thousands per second
        // on a busy replica, each a console write); the breaker's transitions and the failed calls
        // are logged once each by GrpcAuthValidator and BreakerTelemetry.
        [LoggerMessage(Level = LogLevel.Debug, Message = "Credential {CredentialTag} could not be validated: auth service unavailable")]
        public static partial void Unavailable(ILogger logger, CredentialKey credentialTag);
    }
}

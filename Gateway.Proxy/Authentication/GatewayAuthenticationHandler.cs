using System.Globalization;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Gateway.Proxy.Authentication;

internal sealed class GatewayAuthenticationOptions : AuthenticationSchemeOptions;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c> through the
/// auth service, answering from <see cref="AuthCache"/> when it can (no network call, no await).
/// Challenges are RFC 9457 problem details: 401 with <c>WWW-Authenticate: Bearer</c> for a missing
/// or bad credential, 503 with <c>Retry-After</c> when the auth service could not answer.
/// </summary>
internal sealed partial class GatewayAuthenticationHandler(
    IOptionsMonitor<GatewayAuthenticationOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AuthCache cache,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<GatewayAuthenticationOptions>(options, loggerFactory, encoder)
{
    private const string BearerPrefix = "Bearer ";

    private static readonly Task<AuthenticateResult> NoCredential = Task.FromResult(AuthenticateResult.NoResult());
    private static readonly Task<AuthenticateResult> InvalidCredential = Task.FromResult(AuthenticateResult.Fail("The credential is not valid."));

    private string? _failure;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers;
        var authorization = headers.Authorization;
        var apiKey = headers[GatewayAuthentication.ApiKeyHeader];

        // Work on spans so that a cache hit allocates no substring.
        string source;
        ReadOnlySpan<char> credential;
        if (!StringValues.IsNullOrEmpty(authorization))
        {
            if (!TryParseBearer(authorization, out source, out credential))
            {
                return Fail("The Authorization header must be 'Bearer <token>'.");
            }
        }
        else if (!StringValues.IsNullOrEmpty(apiKey))
        {
            if (apiKey.Count != 1 || apiKey[0] is not { } key)
            {
                return Fail("Send exactly one X-Api-Key header.");
            }

            source = key;
            credential = key.AsSpan().Trim();
        }
        else
        {
            return NoCredential;
        }

        // Wrong shape, oversized, control characters: no lookup, no network call.
        if (credential.Length > CredentialKey.MaxCredentialLength || !CredentialShape.IsPlausible(credential))
        {
            return Rejected("The credential is not valid.");
        }

        var cacheKey = KeyOf(source, credential);
        if (cache.TryGet(cacheKey, out var principal))
        {
            if (principal is null)
            {
                return Rejected("The credential is not valid.");
            }

            return principal.Authenticated;
        }

        var credentialText = credential.Length == source.Length ? source : credential.ToString();
        return ValidateAsync(cacheKey, credentialText);
    }

    /// <summary>
    /// The credential's SHA-256, computed once per keep-alive connection for as long as the client
    /// sends the same header: Kestrel hands out the same string instance for a request header
    /// value that repeats on an HTTP/1.1 connection, so a reference comparison (same instance, hence
    /// same immutable content) finds the last hash without hashing again. HTTP/2 streams of one
    /// connection run concurrently and are not memoised.
    /// </summary>
    private CredentialKey KeyOf(string source, ReadOnlySpan<char> credential)
    {
        if (!HttpProtocol.IsHttp11(Request.Protocol) || Context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items)
        {
            return CredentialKey.From(credential);
        }

        if (items.TryGetValue(typeof(CredentialMemo), out var value) && value is CredentialMemo memo && ReferenceEquals(memo.Source, source))
        {
            return memo.Key;
        }

        var key = CredentialKey.From(credential);
        items[typeof(CredentialMemo)] = new CredentialMemo(source, key);
        return key;
    }

    /// <summary>The last credential header of a connection and its hash (see <see cref="KeyOf"/>).</summary>
    private sealed record CredentialMemo(string Source, CredentialKey Key);

    private async Task<AuthenticateResult> ValidateAsync(CredentialKey key, string credential)
    {
        var lookup = await cache.ValidateAsync(key, credential, Context.RequestAborted);
        switch (lookup.Status)
        {
            case AuthLookupStatus.Valid:
                return AuthenticateResult.Success(lookup.Principal!.Ticket);
            case AuthLookupStatus.Invalid:
                const string reason = "The credential is not valid, has expired or was revoked.";
                MarkRejected(reason);
                return AuthenticateResult.Fail(reason);
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
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await WriteProblemAsync("Authentication is temporarily unavailable. Retry later.");
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

    /// <summary>The token of a single well-formed <c>Bearer</c> header.</summary>
    private static bool TryParseBearer(StringValues authorization, out string source, out ReadOnlySpan<char> token)
    {
        token = default;
        source = string.Empty;
        if (authorization.Count != 1 || authorization[0] is not { } value
            || value.Length <= BearerPrefix.Length || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        source = value;
        token = value.AsSpan(BearerPrefix.Length).Trim();
        return !token.IsEmpty;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Credential {CredentialTag} could not be validated: auth service unavailable")]
        public static partial void Unavailable(ILogger logger, CredentialKey credentialTag);
    }
}

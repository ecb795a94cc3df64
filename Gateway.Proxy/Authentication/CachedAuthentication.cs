using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// The authentication of a request whose credential the auth cache holds as valid, without
/// ASP.NET's authentication middleware: the same principal and the same result the
/// <see cref="GatewayAuthenticationHandler"/> would give, set on the request the way the middleware
/// sets them. Everything else (no credential, a malformed, rejected or unknown one, a stale entry)
/// goes through the middleware and the handler as before, and challenges and forbids always do.
/// </summary>
/// <remarks>
/// Why: for a cached credential the middleware's own machinery was most of the cost of
/// authenticating (a DI scope, the handler provider, the authentication service and a handler
/// created per request, three tasks, a ticket and a result): about 1.4 KB allocated per request,
/// against one small feature object here (figures in bench/README.md, "History").
/// </remarks>
internal sealed class CachedAuthentication(AuthCache cache, CredentialLookups lookups)
{
    /// <summary>True when the request's credential was a valid cache hit and the request is now authenticated.</summary>
    public bool TryAuthenticate(HttpContext context)
    {
        if (CredentialReader.Read(context.Request.Headers, out var source, out var credential, out _) != CredentialPresence.Present
            || !CredentialReader.IsLookupCandidate(credential))
        {
            return false;
        }

        var key = CredentialReader.KeyOf(context, source, credential);
        if (!cache.TryGetValid(key, out var principal, out var refreshDue))
        {
            return false;
        }

        if (refreshDue)
        {
            lookups.Refresh(key, CredentialReader.Text(source, credential), context);
        }

        // Per request, never shared: the features have setters (HttpContext.User writes through them).
        var features = new AuthenticatedFeatures(principal.Result);
        context.Features.Set<IHttpAuthenticationFeature>(features);
        context.Features.Set<IAuthenticateResultFeature>(features);
        return true;
    }
}

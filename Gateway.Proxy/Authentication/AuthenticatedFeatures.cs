using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// What ASP.NET's authentication middleware sets after a successful authentication, for
/// <see cref="CachedAuthentication"/>: its own type (<c>AuthenticationFeatures</c>) is internal, so
/// this one copies its behaviour, which AuthenticatedFeaturesTests compares with the middleware's.
/// </summary>
internal sealed class AuthenticatedFeatures(AuthenticateResult result) : IHttpAuthenticationFeature, IAuthenticateResultFeature
{
    private ClaimsPrincipal? _user = result.Principal;
    private AuthenticateResult? _result = result;

    public ClaimsPrincipal? User
    {
        get => _user;
        set
        {
            _user = value;
            _result = null;
        }
    }

    public AuthenticateResult? AuthenticateResult
    {
        get => _result;
        set
        {
            _result = value;
            _user = value?.Principal;
        }
    }
}

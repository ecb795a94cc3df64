using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// An authenticated caller as the auth service described it. Built once per cache entry and shared
/// by every request of that credential (nothing in the proxy mutates it), with the identity header
/// values and rate limit precomputed so the hot path allocates nothing for them.
/// </summary>
internal sealed class GatewayPrincipal : ClaimsPrincipal
{
    public GatewayPrincipal(
        string userId, string userName, string plan, IReadOnlyList<string> roles, int requestsPerWindow, int windowSeconds, string credentialKind, string credentialTag)
        : base(CreateIdentity(userId, userName, plan, roles, requestsPerWindow, windowSeconds, credentialKind))
    {
        UserId = userId;
        UserName = userName;
        Plan = plan;
        RolesHeader = string.Join(',', roles);
        RequestsPerWindow = requestsPerWindow;
        WindowSeconds = windowSeconds;
        CredentialKind = credentialKind;
        CredentialTag = credentialTag;
        Ticket = new AuthenticationTicket(this, GatewayAuthentication.Scheme);
        Result = AuthenticateResult.Success(Ticket);
        Authenticated = Task.FromResult(Result);
    }

    public string UserId { get; }

    public string UserName { get; }

    public string Plan { get; }

    public string RolesHeader { get; }

    public int RequestsPerWindow { get; }

    public int WindowSeconds { get; }

    /// <summary><c>access_token</c> or <c>api_key</c>.</summary>
    public string CredentialKind { get; }

    /// <summary>A non-reversible tag of the credential (a prefix of its SHA-256), to key per-credential limits.</summary>
    public string CredentialTag { get; }

    public AuthenticationTicket Ticket { get; }

    /// <summary>The authentication result, reused by every cache hit (no per-request allocation).</summary>
    public AuthenticateResult Result { get; }

    /// <summary><see cref="Result"/> as a completed task, for the handler.</summary>
    public Task<AuthenticateResult> Authenticated { get; }

    /// <summary>Rough heap footprint, for the cache's memory bound.</summary>
    public int ApproximateBytes => 600 + 2 * (UserId.Length + UserName.Length + Plan.Length + RolesHeader.Length) * 3;

    private static ClaimsIdentity CreateIdentity(
        string userId, string userName, string plan, IReadOnlyList<string> roles, int requestsPerWindow, int windowSeconds, string credentialKind)
    {
        var claims = new List<Claim>(6 + roles.Count)
        {
            new(GatewayAuthentication.Claims.UserId, userId),
            new(GatewayAuthentication.Claims.UserName, userName),
            new(GatewayAuthentication.Claims.Plan, plan),
            new(GatewayAuthentication.Claims.RequestsPerWindow, requestsPerWindow.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer32),
            new(GatewayAuthentication.Claims.WindowSeconds, windowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer32),
            new(GatewayAuthentication.Claims.CredentialKind, credentialKind),
        };
        claims.AddRange(roles.Select(role => new Claim(GatewayAuthentication.Claims.Role, role)));
        return new ClaimsIdentity(claims, GatewayAuthentication.Scheme, GatewayAuthentication.Claims.UserName, GatewayAuthentication.Claims.Role);
    }
}

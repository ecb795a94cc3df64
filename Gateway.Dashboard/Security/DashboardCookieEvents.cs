using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Gateway.Dashboard.Security;

/// <summary>
/// The dashboard cookie's events: every authenticated request re-validates its server-side session
/// (<see cref="DashboardSessions"/>); the API answers with a status code where pages redirect to
/// the login form.
/// </summary>
internal sealed class DashboardCookieEvents(DashboardSessions sessions) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        var session = context.HttpContext.Features.Get<DashboardSessionFeature>();
        var ticket = new AuthenticationTicket(context.Principal!, context.Properties, context.Scheme.Name);
        if (session is not null && await sessions.ContinueAsync(session.SessionId, ticket, context.HttpContext.RequestAborted))
        {
            return;
        }

        context.RejectPrincipal();
        // The stored session is already gone; the browser's cookie goes too (not SignOutAsync, which
        // would ask Redis again, and fail the request if Redis is what is missing).
        context.Options.CookieManager.DeleteCookie(context.HttpContext, context.Options.Cookie.Name!, context.Options.Cookie.Build(context.HttpContext));
    }

    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context) =>
        Challenge(context, StatusCodes.Status401Unauthorized);

    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context) =>
        Challenge(context, StatusCodes.Status403Forbidden);

    private static Task Challenge(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/account"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

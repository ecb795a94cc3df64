using Gateway.Dashboard.Security;
using Gateway.ServiceDefaults.ClientAddresses;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using StackExchange.Redis;

namespace Gateway.Dashboard.Apis;

/// <summary>
/// Sign-in and sign-out, posted from the login page's form (antiforgery-checked). Failures
/// redirect back to the login page with a fixed reason code, never with what was typed.
/// </summary>
internal static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account");
        account.MapPost("/login", LoginAsync);
        account.MapPost("/logout", (Delegate)LogoutAsync).RequireAuthorization(DashboardExtensions.ViewerPolicy);
        return app;
    }

    private static async Task<RedirectHttpResult> LoginAsync(
        [FromForm] LoginForm form, DashboardSignIn signIn, ClientAddressResolver clients, HttpContext context, CancellationToken cancellationToken)
    {
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        System.Security.Claims.ClaimsPrincipal? principal;
        var failure = SignInFailure.InvalidCredentials;
        if (!string.IsNullOrEmpty(form.OperatorKey))
        {
            principal = signIn.WithOperatorKey(form.OperatorKey);
        }
        else if (!string.IsNullOrEmpty(form.UserName) && !string.IsNullOrEmpty(form.Password))
        {
            (principal, failure) = await signIn.WithPasswordAsync(
                form.UserName, form.Password, clients.Key(context), cancellationToken);
        }
        else
        {
            principal = null;
        }

        if (principal is null)
        {
            var query = QueryString.Create([new KeyValuePair<string, string?>("error", failure.ToString()), new KeyValuePair<string, string?>("returnUrl", returnUrl)]);
            return TypedResults.LocalRedirect("/login" + query.ToUriComponent());
        }

        // A session id is never reused for a new sign-in (the cookie handler would store the new
        // principal under the id the request came with, which may be one an attacker planted):
        // end the current session and ask again, from a request without it.
        if (context.User.Identity?.IsAuthenticated == true)
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return TypedResults.LocalRedirect("/login" + QueryString.Create("returnUrl", returnUrl).ToUriComponent());
        }

        try
        {
            // Not persistent (the cookie goes with the browser session), never refreshed: the ticket's
            // expiry is the session's absolute end.
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, new AuthenticationProperties { IsPersistent = false, AllowRefresh = false });
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // No stored session, no sign-in (fail closed); the handler had not written the cookie yet.
            var query = QueryString.Create([new KeyValuePair<string, string?>("error", nameof(SignInFailure.SessionStoreUnavailable)), new KeyValuePair<string, string?>("returnUrl", returnUrl)]);
            return TypedResults.LocalRedirect("/login" + query.ToUriComponent());
        }

        return TypedResults.LocalRedirect(returnUrl);
    }

    /// <summary>Deletes the server-side session: the cookie, even a copy of it, is refused from then on.</summary>
    private static async Task<RedirectHttpResult> LogoutAsync(HttpContext context)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/login");
    }

    /// <summary>Only a path on this site: an open redirect would make the login page a phishing aid.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";

    internal sealed class LoginForm
    {
        public string? UserName { get; set; }

        public string? Password { get; set; }

        public string? OperatorKey { get; set; }

        public string? ReturnUrl { get; set; }
    }
}

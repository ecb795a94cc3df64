using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Security;

/// <summary>
/// Decides whether a dashboard session may go on, on every authenticated request (through
/// <see cref="DashboardCookieEvents"/>) and periodically on an open live stream (<see cref="SessionWatch"/>):
/// the absolute lifetime, and for an admin a re-check with the auth service once
/// <see cref="DashboardSecurityOptions.RoleRecheckInterval"/> has passed since the last one. An
/// operator-key session has no role to re-check; its lifetime and revocation apply all the same.
/// </summary>
internal sealed partial class SessionValidator(
    IAdminStandingSource standing,
    IOptions<DashboardSecurityOptions> options,
    TimeProvider time,
    ILogger<SessionValidator> logger)
{
    /// <summary>
    /// Checks <paramref name="ticket"/> now. <see cref="SessionVerdict.Renewed"/> means its properties
    /// were updated (the time of the passed re-check) and the caller stores them.
    /// </summary>
    public async Task<SessionVerdict> CheckAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        if (ticket.Properties.ExpiresUtc is not { } end || end <= now)
        {
            Log.Ended(logger, "absolute lifetime reached");
            return SessionVerdict.Ended;
        }

        if (!ticket.Principal.IsInRole(settings.AdminRole))
        {
            return SessionVerdict.Valid;
        }

        var checkedAt = SessionItems.GetStandingCheckedAt(ticket.Properties) ?? DateTimeOffset.MinValue;
        var due = checkedAt + settings.RoleRecheckInterval;
        if (now < due)
        {
            return SessionVerdict.Valid;
        }

        var userId = ticket.Principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var answer = string.IsNullOrEmpty(userId) ? AdminStanding.NotAdmin : await standing.GetAsync(userId, cancellationToken);
        switch (answer)
        {
            case AdminStanding.Admin:
                SessionItems.SetStandingCheckedAt(ticket.Properties, now);
                return SessionVerdict.Renewed;
            case AdminStanding.NotAdmin:
                Log.Ended(logger, "no longer an admin (role removed, user disabled or deleted)");
                return SessionVerdict.Ended;
            default:
                // Fail closed, but not at the first unanswered call: an auth outage would otherwise
                // sign out every admin at once.
                if (now < due + settings.RecheckGrace)
                {
                    return SessionVerdict.Valid;
                }

                Log.Ended(logger, "the auth service did not confirm the admin within the grace period");
                return SessionVerdict.Ended;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard session ended: {Reason}.")]
        public static partial void Ended(ILogger logger, string reason);
    }
}

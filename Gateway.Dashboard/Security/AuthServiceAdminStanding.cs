using Gateway.Auth.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Security;

/// <summary>
/// The auth service's <c>DashboardService.GetUserStanding</c>, authenticated by the dashboard's
/// service key: the dashboard keeps no user's token (the sign-in token is revoked at once), so it
/// cannot ask as the admin.
/// </summary>
internal sealed partial class AuthServiceAdminStanding(
    DashboardService.DashboardServiceClient client,
    IOptions<DashboardSecurityOptions> options,
    ILogger<AuthServiceAdminStanding> logger) : IAdminStandingSource
{
    public async Task<AdminStanding> GetAsync(string userId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            var standing = await client.GetUserStandingAsync(
                new GetUserStandingRequest { ServiceKey = settings.AuthServiceKey ?? string.Empty, UserId = userId },
                deadline: DateTime.UtcNow + settings.AuthCallDeadline,
                cancellationToken: cancellationToken);
            return !standing.Disabled && standing.Roles.Contains(settings.AdminRole) ? AdminStanding.Admin : AdminStanding.NotAdmin;
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            return AdminStanding.NotAdmin;
        }
        catch (RpcException exception)
        {
            // Unauthenticated here is our key, not the user: a configuration error, logged as one.
            if (exception.StatusCode is StatusCode.Unauthenticated or StatusCode.InvalidArgument)
            {
                Log.Misconfigured(logger, exception.StatusCode);
            }
            else
            {
                Log.Unavailable(logger, exception.StatusCode);
            }

            return AdminStanding.Unknown;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "The auth service refused the dashboard's service key ({Status}): admin sessions cannot be re-checked (Dashboard:Security:AuthServiceKey).")]
        public static partial void Misconfigured(ILogger logger, StatusCode status);

        [LoggerMessage(Level = LogLevel.Warning, Message = "An admin session could not be re-checked with the auth service ({Status}).")]
        public static partial void Unavailable(ILogger logger, StatusCode status);
    }
}

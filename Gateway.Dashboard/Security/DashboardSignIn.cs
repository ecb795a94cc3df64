using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Gateway.Auth.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Security;

/// <summary>
/// Checks who may see the dashboard: a user of the auth service holding the admin role (a login,
/// a token validation to read the roles, then the token is revoked: the dashboard keeps only its
/// own cookie), or someone holding the operator key.
/// </summary>
internal sealed partial class DashboardSignIn(
    AuthService.AuthServiceClient auth,
    IOptions<DashboardSecurityOptions> options,
    ILogger<DashboardSignIn> logger)
{
    public const string OperatorRole = "operator";

    public async Task<(ClaimsPrincipal? Principal, SignInFailure Failure)> WithPasswordAsync(
        string userName, string password, string? clientAddress, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            var login = await auth.LoginAsync(
                new LoginRequest { UserName = userName, Password = password, ClientAddress = clientAddress ?? string.Empty },
                deadline: Deadline(), cancellationToken: cancellationToken);
            try
            {
                var validation = await auth.ValidateTokenAsync(
                    new ValidateTokenRequest { Credential = login.AccessToken }, deadline: Deadline(), cancellationToken: cancellationToken);
                if (!validation.Valid || !validation.Principal.Roles.Contains(settings.AdminRole))
                {
                    Log.NotAnAdmin(logger, login.UserId);
                    return (null, SignInFailure.NotAnAdmin);
                }

                return (Principal(validation.Principal.UserName, login.UserId, settings.AdminRole), SignInFailure.None);
            }
            finally
            {
                // The token was only needed to read the roles.
                await RevokeQuietlyAsync(login.AccessToken);
            }
        }
        catch (RpcException exception)
        {
            return (null, exception.StatusCode switch
            {
                StatusCode.Unauthenticated or StatusCode.InvalidArgument or StatusCode.NotFound => SignInFailure.InvalidCredentials,
                StatusCode.ResourceExhausted => SignInFailure.Throttled,
                _ => LogUnavailable(exception),
            });
        }

        DateTime Deadline() => DateTime.UtcNow + settings.AuthCallDeadline;
    }

    public ClaimsPrincipal? WithOperatorKey(string key)
    {
        var expected = options.Value.OperatorKey;
        if (string.IsNullOrEmpty(expected) || string.IsNullOrEmpty(key))
        {
            return null;
        }

        // Compare digests in constant time: neither the key's length nor its content leaks through timing.
        var matches = CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(key)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
        return matches ? Principal("operator", "operator", OperatorRole) : null;
    }

    private static ClaimsPrincipal Principal(string name, string id, string role) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Role, role)],
        CookieAuthenticationDefaults.AuthenticationScheme));

    private async Task RevokeQuietlyAsync(string token)
    {
        try
        {
            await auth.RevokeTokenAsync(new RevokeTokenRequest { AccessToken = token }, deadline: DateTime.UtcNow + options.Value.AuthCallDeadline);
        }
        catch (RpcException exception)
        {
            Log.RevokeFailed(logger, exception.StatusCode);
        }
    }

    private SignInFailure LogUnavailable(RpcException exception)
    {
        Log.AuthUnavailable(logger, exception.StatusCode);
        return SignInFailure.AuthUnavailable;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard sign-in refused: user {UserId} does not have the admin role.")]
        public static partial void NotAnAdmin(ILogger logger, string userId);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard sign-in could not reach the auth service ({Status}).")]
        public static partial void AuthUnavailable(ILogger logger, StatusCode status);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not revoke the sign-in token ({Status}); it expires by itself.")]
        public static partial void RevokeFailed(ILogger logger, StatusCode status);
    }
}

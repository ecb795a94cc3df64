using Gateway.Auth.Data;
using Gateway.Auth.Security;
using Gateway.Contracts.Credentials;
using Grpc.Core;

namespace Gateway.Auth.Grpc;

/// <summary>Authenticates the caller of a management call by its access token (API keys cannot manage).</summary>
internal sealed class CallerAuthenticator(CredentialValidator validator)
{
    public const string AdminRole = "admin";

    public async Task<PrincipalRow> AuthenticateAsync(string accessToken, CancellationToken cancellationToken)
    {
        RequestValidation.Credential(accessToken, "access_token");
        var check = await validator.CheckAsync(accessToken, cancellationToken);
        if (!check.IsValid || check.Type != CredentialType.AccessToken)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "access_token: missing, invalid or expired"));
        }

        return check.Principal!;
    }

    public async Task<PrincipalRow> AuthenticateAdminAsync(string accessToken, CancellationToken cancellationToken)
    {
        var caller = await AuthenticateAsync(accessToken, cancellationToken);
        return caller.Roles.Contains(AdminRole, StringComparer.Ordinal)
            ? caller
            : throw new RpcException(new Status(StatusCode.PermissionDenied, $"The '{AdminRole}' role is required."));
    }
}

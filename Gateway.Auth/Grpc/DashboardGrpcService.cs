using System.Security.Cryptography;
using System.Text;
using Gateway.Auth.Data;
using Gateway.Auth.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Auth.Grpc;

/// <summary>
/// Calls of the operator dashboard, authenticated by its service key (it keeps no user's token, so
/// it cannot be an admin caller of <c>AdminService</c>). Read-only: the worst a stolen key gives is
/// whether a user, named by id, is disabled and which roles they hold.
/// </summary>
internal sealed class DashboardGrpcService(UserStandingStore store, IOptions<DashboardCallerOptions> options) : DashboardService.DashboardServiceBase
{
    public override async Task<GetUserStandingResponse> GetUserStanding(GetUserStandingRequest request, ServerCallContext context)
    {
        Authenticate(request.ServiceKey);
        var userId = RequestValidation.Id(request.UserId, "user_id");
        var row = await store.FindAsync(userId, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "user_id: no such user"));

        var response = new GetUserStandingResponse { Disabled = row.Disabled };
        response.Roles.AddRange(row.Roles);
        return response;
    }

    private void Authenticate(string presented)
    {
        RequestValidation.Credential(presented, "service_key");
        var expected = options.Value.ServiceKey;
        // Digests compared in constant time: neither the key's length nor its content leaks through timing.
        if (string.IsNullOrEmpty(expected) || !CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "service_key: missing or wrong"));
        }
    }
}

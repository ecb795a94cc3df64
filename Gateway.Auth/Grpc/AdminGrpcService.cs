using Gateway.Auth.Data;
using Gateway.Auth.Invalidation;
using Gateway.Auth.Security;
using Gateway.Auth.V1;
using Grpc.Core;

namespace Gateway.Auth.Grpc;

internal sealed partial class AdminGrpcService(
    AuthStore store,
    CallerAuthenticator callers,
    InvalidationPublisher invalidations,
    AuthStatistics statistics,
    ILogger<AdminGrpcService> logger) : AdminService.AdminServiceBase
{
    public override async Task<SetUserPlanResponse> SetUserPlan(SetUserPlanRequest request, ServerCallContext context)
    {
        var admin = await callers.AuthenticateAdminAsync(request.AccessToken, context.CancellationToken);
        var userName = RequestValidation.ExistingUserName(request.UserName);
        var plan = RequestValidation.Plan(request.Plan);

        Guid? userId;
        try
        {
            userId = await store.SetUserPlanAsync(RequestValidation.Normalize(userName), plan, context.CancellationToken);
        }
        catch (UnknownPlanException)
        {
            throw new RpcException(new Status(StatusCode.NotFound, "plan: no such plan"));
        }

        var id = userId ?? throw new RpcException(new Status(StatusCode.NotFound, "user_name: no such user"));
        await invalidations.UserChangedAsync(id);
        Log.PlanChanged(logger, admin.UserId, id, plan);
        return new SetUserPlanResponse { UserId = id.ToString("D"), Plan = plan };
    }

    public override async Task<SetUserDisabledResponse> SetUserDisabled(SetUserDisabledRequest request, ServerCallContext context)
    {
        var admin = await callers.AuthenticateAdminAsync(request.AccessToken, context.CancellationToken);
        var userName = RequestValidation.ExistingUserName(request.UserName);

        var id = await store.SetUserDisabledAsync(RequestValidation.Normalize(userName), request.Disabled, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "user_name: no such user"));
        await invalidations.UserChangedAsync(id);
        Log.DisabledChanged(logger, admin.UserId, id, request.Disabled);
        return new SetUserDisabledResponse { UserId = id.ToString("D"), Disabled = request.Disabled };
    }

    public override async Task<ListPlansResponse> ListPlans(ListPlansRequest request, ServerCallContext context)
    {
        await callers.AuthenticateAdminAsync(request.AccessToken, context.CancellationToken);
        var plans = await store.ListPlansAsync(context.CancellationToken);

        var response = new ListPlansResponse();
        response.Plans.AddRange(plans.Select(p => new Plan { Name = p.Name, RequestsPerWindow = p.RequestsPerWindow, WindowSeconds = p.WindowSeconds }));
        return response;
    }

    public override async Task<AuthStats> GetStats(GetStatsRequest request, ServerCallContext context)
    {
        await callers.AuthenticateAdminAsync(request.AccessToken, context.CancellationToken);
        return statistics.Read();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Admin {AdminId} moved user {UserId} to plan {Plan}")]
        public static partial void PlanChanged(ILogger logger, Guid adminId, Guid userId, string plan);

        [LoggerMessage(Level = LogLevel.Information, Message = "Admin {AdminId} set user {UserId} disabled={Disabled}")]
        public static partial void DisabledChanged(ILogger logger, Guid adminId, Guid userId, bool disabled);
    }
}

using Gateway.Auth.V1;
using Gateway.Proxy.AuthClients;
using Gateway.Proxy.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using AuthClient = Gateway.Auth.V1.AuthService.AuthServiceClient;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// <c>ValidateToken</c> over gRPC with a per-call deadline, behind a circuit breaker that counts
/// gRPC failures (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ...), not only transport errors: a
/// struggling auth service or database trips it, and while it is open calls fail at once instead
/// of queueing behind a dead dependency. No retries: a miss is retried by the next request.
/// </summary>
internal sealed partial class GrpcAuthValidator(
    AuthClient client,
    ResiliencePipelineProvider<string> pipelines,
    IOptionsMonitor<AuthServiceOptions> options,
    ProxyMetrics metrics,
    ILogger<GrpcAuthValidator> logger) : IAuthValidator
{
    public const string PipelineName = "auth-validate";

    private readonly ResiliencePipeline _pipeline = pipelines.GetPipeline(PipelineName);

    public async Task<AuthLookup> ValidateAsync(string credential)
    {
        var settings = options.CurrentValue;
        try
        {
            var response = await _pipeline.ExecuteAsync(
                static async (state, cancellationToken) =>
                {
                    // Counted here, inside the breaker: a call it refuses never reaches the auth service.
                    state.metrics.AuthServiceCall();
                    return await state.client.ValidateTokenAsync(
                        new ValidateTokenRequest { Credential = state.credential },
                        deadline: DateTime.UtcNow.Add(state.deadline),
                        cancellationToken: cancellationToken);
                },
                (client, credential, deadline: settings.ValidateDeadline, metrics),
                CancellationToken.None);

            if (!response.Valid)
            {
                return AuthLookup.Invalid;
            }

            var p = response.Principal;
            var kind = response.Kind == CredentialKind.ApiKey ? "api_key" : "access_token";
            var principal = new GatewayPrincipal(
                p.UserId, p.UserName, p.Plan, p.Roles, p.RequestsPerWindow, p.WindowSeconds, kind, "k:" + CredentialKey.From(credential));
            return AuthLookup.Valid(principal, response.ExpiresAt?.ToDateTimeOffset());
        }
        catch (BrokenCircuitException)
        {
            return AuthLookup.NotSent(settings.Breaker.BreakDuration);
        }
        catch (RpcException ex)
        {
            // Errors and timeouts are "don't know", never "invalid".
            Log.ValidationFailed(logger, ex.StatusCode);
            metrics.AuthValidationError(ex.StatusCode.ToString());
            // No connection could be made (the auth service is down, not slow): the call cost the
            // service nothing, so, like a call the open breaker refused, it charges nobody's
            // failed-credential budget. Until the breaker opens (its failure ratio may need many
            // calls after a busy spell), an office behind one address would otherwise spend its
            // budget on an outage.
            return NeverConnected(ex) ? AuthLookup.NotSent(TimeSpan.FromSeconds(1)) : AuthLookup.Unavailable(TimeSpan.FromSeconds(1));
        }
    }

    private static bool NeverConnected(RpcException ex) =>
        ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };

    /// <summary>The failures that count against the auth service.</summary>
    public static bool IsFailure(Outcome<object> outcome) => outcome.Exception is RpcException
    {
        StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
            or StatusCode.ResourceExhausted or StatusCode.DataLoss
    };

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Auth service did not validate a credential: {StatusCode}")]
        public static partial void ValidationFailed(ILogger logger, StatusCode statusCode);
    }
}

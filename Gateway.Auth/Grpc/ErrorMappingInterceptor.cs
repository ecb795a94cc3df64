using System.Net.Sockets;
using Gateway.Auth.Data;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Npgsql;

namespace Gateway.Auth.Grpc;

/// <summary>
/// Turns infrastructure failures into the status codes the contract promises: a database that is
/// down or unreachable is UNAVAILABLE (the caller may retry, and must not conclude "invalid"),
/// anything unexpected is INTERNAL with no details.
/// </summary>
internal sealed partial class ErrorMappingInterceptor(StaleConnections staleConnections, ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled."));
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            staleConnections.Observe(ex);
            Log.DependencyUnavailable(logger, context.Method, ex.GetType().Name, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The identity store is unavailable. Retry later."));
        }
        catch (Exception ex)
        {
            Log.Unexpected(logger, context.Method, ex);
            throw new RpcException(new Status(StatusCode.Internal, "An internal error occurred."));
        }
    }

    private static bool IsUnavailable(Exception exception) => exception switch
    {
        // Connection-class, shutdown and resource errors: the server is (going) away, not our query.
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("57", StringComparison.Ordinal),
        NpgsqlException => true,
        SocketException or TimeoutException or IOException => true,
        InvalidOperationException { InnerException: { } inner } => IsUnavailable(inner),
        _ => false,
    };

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "{Method}: dependency unavailable ({ExceptionType}: {Reason})")]
        public static partial void DependencyUnavailable(ILogger logger, string method, string exceptionType, string reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "{Method}: unexpected failure")]
        public static partial void Unexpected(ILogger logger, string method, Exception exception);
    }
}

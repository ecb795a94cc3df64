namespace Gateway.Proxy.GrpcCalls;

/// <summary>Request feature: when a gRPC call with a <c>grpc-timeout</c> reached the gateway, and its timeout.</summary>
internal sealed class GrpcDeadline(long receivedAt, TimeSpan timeout)
{
    public TimeSpan Timeout { get; } = timeout;

    /// <summary>What is left of the timeout now (never negative).</summary>
    public TimeSpan Remaining(TimeProvider time)
    {
        var left = Timeout - time.GetElapsedTime(receivedAt);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}

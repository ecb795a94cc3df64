using Gateway.Sample.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.SampleApi.Grpc;

/// <summary>
/// The sample gRPC backend behind the gateway's <c>greeter</c> route: a unary and a server-streaming
/// method whose replies carry what the backend saw of the call (its deadline, the metadata the
/// gateway forwarded), and whose pace the caller sets, so that deadlines and long streams through
/// the gateway can be shown.
/// </summary>
internal sealed class GreeterService(TimeProvider time) : Greeter.GreeterBase
{
    private const uint MaxDelayMilliseconds = 30_000;
    private const uint MaxCount = 1_000;

    // Identifies the replica in replies, as the HTTP endpoints do.
    private static readonly string Instance = $"{Environment.MachineName}:{Environment.ProcessId}";

    public override async Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
    {
        RequireAtMost(request.DelayMs, MaxDelayMilliseconds, "delay_ms");
        if (request.DelayMs > 0)
        {
            // The call's token: cancelled when the client goes away or the deadline passes, so a
            // slow reply never outlives the call.
            await Task.Delay(TimeSpan.FromMilliseconds(request.DelayMs), time, context.CancellationToken);
        }

        return Reply(request.Name, sequence: 0, context);
    }

    public override async Task StreamHellos(StreamHellosRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        if (request.Count is < 1 or > MaxCount)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"count must be between 1 and {MaxCount}."));
        }

        RequireAtMost(request.IntervalMs, MaxDelayMilliseconds, "interval_ms");
        for (var sequence = 1u; sequence <= request.Count; sequence++)
        {
            if (sequence > 1 && request.IntervalMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(request.IntervalMs), time, context.CancellationToken);
            }

            await responseStream.WriteAsync(Reply(request.Name, sequence, context), context.CancellationToken);
        }
    }

    private HelloReply Reply(string name, uint sequence, ServerCallContext context)
    {
        var reply = new HelloReply
        {
            Message = $"Hello {(name.Length > 0 ? name : "world")} from the sample API",
            Instance = Instance,
            Sequence = sequence,
        };

        // DateTime.MaxValue is how Grpc.AspNetCore says "no grpc-timeout".
        if (context.Deadline != DateTime.MaxValue)
        {
            reply.DeadlineRemaining = Duration.FromTimeSpan(context.Deadline - time.GetUtcNow().UtcDateTime);
        }

        foreach (var entry in context.RequestHeaders)
        {
            if (!entry.IsBinary)
            {
                reply.Metadata[entry.Key] = entry.Value;
            }
        }

        return reply;
    }

    private static void RequireAtMost(uint value, uint max, string field)
    {
        if (value > max)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} must be at most {max}."));
        }
    }
}

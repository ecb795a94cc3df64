using System.Diagnostics;
using Gateway.Auth.V1;
using Grpc.Core;

namespace Gateway.Bench.AuthGrpc;

/// <summary>
/// One closed-loop caller: sends the next call as soon as the previous one is answered. Its
/// latencies go into its own array, so recording takes no lock and shares no cache line with the
/// other workers; <see cref="LoadRunner"/> merges the arrays after the measurement.
/// </summary>
internal sealed class Worker(AuthService.AuthServiceClient client, BenchCase benchCase)
{
    // The proxy gives ValidateToken a few hundred milliseconds; a benchmark call that takes
    // longer than this is an error, not a latency sample.
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(2);

    // Stopwatch ticks of each answered call, in completion order. Sized for ~20k calls/s per
    // worker over 10 s so that growing it (an allocation) is rare during a measurement.
    private long[] _latencies = new long[4096];

    public int Count { get; private set; }

    public int Errors { get; private set; }

    public string? FirstError { get; private set; }

    public ReadOnlySpan<long> Latencies => _latencies.AsSpan(0, Count);

    public async Task RunAsync(long stopAt)
    {
        var request = benchCase.Request;
        while (Stopwatch.GetTimestamp() < stopAt)
        {
            var start = Stopwatch.GetTimestamp();
            string? error;
            try
            {
                var reply = await client.ValidateTokenAsync(request, deadline: DateTime.UtcNow.Add(CallDeadline));
                error = benchCase.IsExpected(reply) ? null : $"unexpected answer {reply}";
            }
            catch (RpcException ex)
            {
                error = ex.Status.ToString();
            }

            var elapsed = Stopwatch.GetTimestamp() - start;
            if (error is null)
            {
                Record(elapsed);
            }
            else
            {
                Errors++;
                FirstError ??= error;
            }
        }
    }

    private void Record(long ticks)
    {
        if (Count == _latencies.Length)
        {
            Array.Resize(ref _latencies, _latencies.Length * 2);
        }

        _latencies[Count++] = ticks;
    }
}

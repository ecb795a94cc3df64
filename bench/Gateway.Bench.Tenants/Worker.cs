using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Tenants;

/// <summary>
/// A proxy replica: its two routes, and one connection pool to it per client address (a pool's
/// connections are bound to its address, see <see cref="LoadCommand"/>).
/// </summary>
internal sealed record Target(Uri Tenant, Uri Anonymous, HttpMessageInvoker[] Pools);

/// <summary>What the workers of one measurement share.</summary>
internal sealed class Plan
{
    private long _next = -1;

    public required Target[] Targets { get; init; }

    public required CredentialSet Keys { get; init; }

    public required ZipfSampler Zipf { get; init; }

    public required KeyStats Stats { get; init; }

    public required double AnonymousShare { get; init; }

    public required long StartTicks { get; init; }

    public required long StopTicks { get; init; }

    /// <summary>Stopwatch ticks between scheduled requests (open loop), 0 for a closed loop.</summary>
    public required double TicksPerRequest { get; init; }

    /// <summary>
    /// Untimed passes (priming, warm-up): the (target, key) pairs still to answer; key −1 is an
    /// anonymous request. Null for timed load.
    /// </summary>
    public ConcurrentQueue<PrimeItem>? PrimeQueue { get; init; }

    /// <summary>Items of <see cref="PrimeQueue"/> not finished yet (queued, in flight or waiting to be retried).</summary>
    public int Pending;

    /// <summary>Credentials whose priming ended without a 2xx.</summary>
    public int Unprimed;

    /// <summary>Cancelled when the grace period after the load ends: answers still missing are errors.</summary>
    public required CancellationToken Abandon { get; init; }

    public long UnixMicros(long ticks, long startUnixMicros) =>
        startUnixMicros + (long)((ticks - StartTicks) * 1_000_000.0 / Stopwatch.Frequency);

    public long NextSequence() => Interlocked.Increment(ref _next);
}

/// <summary>One request of an untimed pass, and how often it was tried.</summary>
internal readonly record struct PrimeItem(int Target, int Key, int Attempt);

/// <summary>
/// One connection's worth of load: at most one request in flight. Closed loop: the next request
/// goes as soon as the last is answered. Open loop: it takes the next slot of the shared schedule,
/// waits for its time, and counts latency from that time, so a server that falls behind is charged
/// with the wait (no coordinated omission). Latencies and status counts go into the worker's own
/// arrays (no lock); per-key counts into the shared <see cref="KeyStats"/>.
/// </summary>
internal sealed class Worker(Plan plan, int id, int seed)
{
    private const string RateLimitPolicyHeader = "RateLimit-Policy";
    private const int MaxPrimeAttempts = 20;

    private readonly Random _random = new(seed);
    private readonly byte[] _buffer = new byte[16 * 1024];

    public LatencyRecorder Tenant { get; } = new();

    public LatencyRecorder Anonymous { get; } = new();

    /// <summary>Answers by <see cref="Outcome"/>, for tenant requests.</summary>
    public long[] TenantOutcomes { get; } = new long[Enum.GetValues<Outcome>().Length];

    public long[] AnonymousOutcomes { get; } = new long[Enum.GetValues<Outcome>().Length];

    public string? FirstError { get; private set; }

    public async Task RunAsync()
    {
        var turn = id;
        while (true)
        {
            int key;
            Target target;
            long latencyFrom;
            var item = default(PrimeItem);
            if (plan.PrimeQueue is { } queue)
            {
                if (!queue.TryDequeue(out item))
                {
                    if (Volatile.Read(ref plan.Pending) == 0)
                    {
                        return;
                    }

                    // Others are waiting to retry: their items may come back.
                    await Task.Delay(20);
                    continue;
                }

                key = item.Key;
                target = plan.Targets[item.Target];
                latencyFrom = Stopwatch.GetTimestamp();
            }
            else
            {
                if (plan.TicksPerRequest > 0)
                {
                    var scheduled = plan.StartTicks + (long)(plan.NextSequence() * plan.TicksPerRequest);
                    if (scheduled >= plan.StopTicks)
                    {
                        return;
                    }

                    // Timers fire with ~1 ms granularity: wake up to a millisecond early.
                    var wait = scheduled - Stopwatch.GetTimestamp() - (Stopwatch.Frequency / 1000);
                    if (wait > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                    }

                    latencyFrom = Math.Min(scheduled, Stopwatch.GetTimestamp());
                }
                else
                {
                    latencyFrom = Stopwatch.GetTimestamp();
                    if (latencyFrom >= plan.StopTicks)
                    {
                        return;
                    }
                }

                key = _random.NextDouble() < plan.AnonymousShare ? -1 : plan.Zipf.Next(_random);
                target = plan.Targets[turn++ % plan.Targets.Length];
            }

            var request = new HttpRequestMessage(HttpMethod.Get, key < 0 ? target.Anonymous : target.Tenant)
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            if (key >= 0)
            {
                request.Headers.TryAddWithoutValidation(plan.Keys.HeaderNames[key], plan.Keys.HeaderValues[key]);
            }

            var sent = Stopwatch.GetTimestamp();
            Outcome outcome;
            try
            {
                // A tenant always comes from its own client address; anonymous visitors from any.
                var pool = target.Pools[key >= 0 ? key % target.Pools.Length : _random.Next(target.Pools.Length)];
                using var response = await pool.SendAsync(request, plan.Abandon);
                outcome = Classify(response);
                await using var body = await response.Content.ReadAsStreamAsync(plan.Abandon);
                while (await body.ReadAsync(_buffer, plan.Abandon) > 0)
                {
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                outcome = Outcome.Error;
                FirstError ??= ex.Message;
            }

            var answered = Stopwatch.GetTimestamp();
            if (key < 0)
            {
                AnonymousOutcomes[(int)outcome]++;
                if (outcome != Outcome.Error)
                {
                    Anonymous.Add(answered - latencyFrom);
                }
            }
            else
            {
                TenantOutcomes[(int)outcome]++;
                if (outcome != Outcome.Error)
                {
                    Tenant.Add(answered - latencyFrom);
                }

                // The limiter decided somewhere between sending and the answer.
                plan.Stats.Record(key, plan.UnixMicros(sent + ((answered - sent) / 2), plan.Stats.StartUnixMicros), outcome switch
                {
                    Outcome.Admitted => Outcome.Admitted,
                    Outcome.Limited => Outcome.Limited,
                    Outcome.Unavailable => Outcome.Unavailable,
                    _ => Outcome.OtherStatus,
                });
            }

            if (plan.PrimeQueue is { } primeQueue)
            {
                Finish(primeQueue, item, outcome);
            }

            if (plan.Abandon.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// A credential the proxy could not look up yet (503: a cold or starved auth service missed the
    /// proxy's deadline, or its breaker is open; 429 without a policy: lookup slots busy) is queued
    /// again after a pause of a second per attempt so far (at most 5 s: the proxy's breaker stays open
    /// 5 s), up to <see cref="MaxPrimeAttempts"/> times; the worker goes on meanwhile.
    /// </summary>
    private void Finish(ConcurrentQueue<PrimeItem> queue, PrimeItem item, Outcome outcome)
    {
        if (item.Key >= 0 && outcome is Outcome.Unavailable or Outcome.LookupRefused or Outcome.Error && item.Attempt + 1 < MaxPrimeAttempts)
        {
            _ = Task.Delay(TimeSpan.FromSeconds(Math.Min(item.Attempt + 1, 5))).ContinueWith(
                static (_, state) =>
                {
                    var (queue, next) = ((ConcurrentQueue<PrimeItem>, PrimeItem))state!;
                    queue.Enqueue(next);
                },
                (queue, item with { Attempt = item.Attempt + 1 }),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return;
        }

        if (item.Key >= 0 && outcome != Outcome.Admitted)
        {
            Interlocked.Increment(ref plan.Unprimed);
        }

        Interlocked.Decrement(ref plan.Pending);
    }

    private static Outcome Classify(HttpResponseMessage response) => (int)response.StatusCode switch
    {
        >= 200 and < 300 => Outcome.Admitted,
        429 => response.Headers.Contains(RateLimitPolicyHeader) ? Outcome.Limited : Outcome.LookupRefused,
        503 => Outcome.Unavailable,
        401 => Outcome.Unauthorized,
        _ => Outcome.OtherStatus,
    };
}

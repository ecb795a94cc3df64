using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Bench.Tenants;

/// <summary>The <c>load</c> verb: one measurement (or one priming pass), its summary on stdout.</summary>
internal static class LoadCommand
{
    public static async Task<int> RunAsync(LoadOptions options)
    {
        var keys = CredentialSet.Load(options.CredentialsFile, options.Keys);
        var seed = options.RandomSeed ?? Random.Shared.Next();
        var addresses = ClientAddresses(options.ClientAddresses);
        var targets = options.Urls.Select(url => new Target(
            new Uri(url, options.Path),
            new Uri(url, options.AnonymousPath),
            addresses.Select(address => new HttpMessageInvoker(Handler(options, address), disposeHandler: true)).ToArray())).ToArray();
        try
        {
            // JIT the request path and open the connections before the clock starts: anonymous
            // requests only, so no tenant's limit or auth-cache entry is touched.
            if (options.WarmupRequests > 0)
            {
                await MeasureAsync(options, keys, targets, seed, warmup: true);
            }

            var measurement = await MeasureAsync(options, keys, targets, seed, warmup: false);
            var summary = Summary.From(options, keys, measurement);
            summary.WriteJson(Console.OpenStandardOutput());
            if (options.KeysTsv is { } tsv)
            {
                summary.WriteKeysTsv(tsv);
            }

            Console.Error.WriteLine(summary.ProgressLine());
            Console.Error.WriteLine(summary.MachineLine());
            if (measurement.FirstError is { } error)
            {
                Console.Error.WriteLine($"[tenants]   first error: {error}");
            }

            return summary.Requests > 0 ? 0 : 1;
        }
        finally
        {
            foreach (var pool in targets.SelectMany(t => t.Pools))
            {
                pool.Dispose();
            }
        }
    }

    private static async Task<Measurement> MeasureAsync(LoadOptions options, CredentialSet keys, Target[] targets, int seed, bool warmup)
    {
        var untimed = warmup || options.Prime;
        var items = new List<PrimeItem>();
        if (warmup)
        {
            items.AddRange(Enumerable.Range(0, options.WarmupRequests).Select(i => new PrimeItem(i % targets.Length, -1, 0)));
        }
        else if (options.Prime)
        {
            for (var t = 0; t < targets.Length; t++)
            {
                items.AddRange(Enumerable.Range(0, keys.Count).Select(k => new PrimeItem(t, k, 0)));
            }

            var shuffled = items.ToArray();
            new Random(seed).Shuffle(shuffled);
            items = [.. shuffled];
        }

        using var abandon = new CancellationTokenSource();
        var startUnix = DateTime.UtcNow.Ticks;
        var start = Stopwatch.GetTimestamp();
        var startUnixMicros = (startUnix - DateTime.UnixEpoch.Ticks) / 10;
        var stop = start + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var plan = new Plan
        {
            Targets = targets,
            Keys = keys,
            Zipf = new ZipfSampler(keys.Count, options.Zipf),
            Stats = new KeyStats(keys, startUnixMicros, startUnixMicros + (long)options.Duration.TotalMicroseconds, options.Grace),
            AnonymousShare = options.AnonymousShare,
            StartTicks = start,
            StopTicks = untimed ? long.MaxValue : stop,
            TicksPerRequest = options.Rate is { } rate && !untimed ? Stopwatch.Frequency / rate : 0,
            PrimeQueue = untimed ? new ConcurrentQueue<PrimeItem>(items) : null,
            Pending = items.Count,
            Abandon = abandon.Token,
        };

        var workers = Enumerable.Range(0, options.Connections).Select(i => new Worker(plan, i, HashCode.Combine(seed, i))).ToArray();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        // Task.Run spreads the first synchronous part of each loop over the thread pool.
        var running = Task.WhenAll(workers.Select(worker => Task.Run(worker.RunAsync)));
        if (!untimed)
        {
            // Answers still missing this long after the last request was sent are abandoned (errors).
            var deadline = options.Duration + options.Grace;
            if (await Task.WhenAny(running, Task.Delay(deadline)) != running)
            {
                await abandon.CancelAsync();
            }
        }

        await running;
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new Measurement(
            plan.Stats,
            plan.Unprimed,
            workers,
            untimed ? elapsed : options.Duration,
            elapsed,
            (Environment.CpuUsage.TotalTime - cpuBefore) / elapsed,
            workers.Select(w => w.FirstError).FirstOrDefault(e => e is not null));
    }

    /// <summary>
    /// The client addresses tenants come from: 127.1.0.1, 127.1.0.2, ... (all of 127.0.0.0/8 is
    /// this machine's loopback on Linux), or just the default source address when
    /// <paramref name="count"/> is 0. To the proxy each is a client of its own: its per-client
    /// budgets (failed credentials, concurrent auth lookups) and limits are per address, as they
    /// would be for tenants calling from their own networks.
    /// </summary>
    private static IPAddress?[] ClientAddresses(int count) => count == 0
        ? [null]
        : Enumerable.Range(0, count).Select(i => (IPAddress?)new IPAddress(new byte[] { 127, (byte)(1 + (i / 62_500)), (byte)(i / 250 % 250), (byte)((i % 250) + 1) })).ToArray();

    /// <summary>
    /// HTTP/1.1 keep-alive connections from one client address, as many as there are requests in
    /// flight; nothing a load generator does not need (no proxy, cookies, redirects, decompression,
    /// trace headers).
    /// </summary>
    private static SocketsHttpHandler Handler(LoadOptions options, IPAddress? source) => new()
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        MaxConnectionsPerServer = options.Connections,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                if (source is not null)
                {
                    socket.Bind(new IPEndPoint(source, 0));
                }

                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

/// <summary>What one run of the workers produced.</summary>
internal sealed record Measurement(KeyStats Stats, int Unprimed, Worker[] Workers, TimeSpan Offered, TimeSpan Elapsed, double ClientCpuShare, string? FirstError);

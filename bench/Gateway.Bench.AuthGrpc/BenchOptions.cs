using System.Globalization;

namespace Gateway.Bench.AuthGrpc;

/// <summary>Command-line options; every load run has a fixed duration and concurrency.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        Usage: Gateway.Bench.AuthGrpc --address http://127.0.0.1:PORT [options]

          --address URL      the auth service's gRPC (h2c) endpoint; loopback only
          --duration S       seconds per measurement (default 10)
          --warmup S         seconds of the one warm-up pass per case, discarded (default 5)
          --rounds N         interleaved rounds, every case once per round (default 3)
          --concurrency N    calls in flight at all times (default 32)
          --server NAME=PID  report the CPU time of this process and its descendants per call (repeatable)
          --baseline URL     a second auth service (another build) measured in the same run: every
                             case runs against both, back to back, in each round
          --baseline-server NAME=PID
                             the baseline's processes, under the same names as --server
          --server-cpu N     the CPU the servers are pinned to: report how busy other processes kept it
        """;

    public required Uri Address { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public int Rounds { get; init; } = 3;

    public int Concurrency { get; init; } = 32;

    public IReadOnlyList<ServerProcess> Servers { get; init; } = [];

    public Uri? Baseline { get; init; }

    public IReadOnlyList<ServerProcess> BaselineServers { get; init; } = [];

    public int? ServerCpu { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        Uri? address = null, baseline = null;
        int duration = 10, warmup = 5, rounds = 3, concurrency = 32;
        int? serverCpu = null;
        var servers = new List<ServerProcess>();
        var baselineServers = new List<ServerProcess>();

        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--address":
                    address = new Uri(value, UriKind.Absolute);
                    break;
                case "--duration":
                    duration = Positive(name, value);
                    break;
                case "--warmup":
                    warmup = Positive(name, value);
                    break;
                case "--rounds":
                    rounds = Positive(name, value);
                    break;
                case "--concurrency":
                    concurrency = Positive(name, value);
                    break;
                case "--server":
                    servers.Add(Server(value));
                    break;
                case "--baseline":
                    baseline = new Uri(value, UriKind.Absolute);
                    break;
                case "--baseline-server":
                    baselineServers.Add(Server(value));
                    break;
                case "--server-cpu":
                    serverCpu = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"unknown option {name}");
            }
        }

        if (address is null)
        {
            throw new ArgumentException("--address is required");
        }

        // The benchmark may only ever load this machine.
        if (!address.IsLoopback || baseline is { IsLoopback: false })
        {
            throw new ArgumentException("--address and --baseline must be loopback addresses");
        }

        // The table has one CPU column per name: both builds must report the same processes.
        if (baseline is not null && !baselineServers.Select(b => b.Name).SequenceEqual(servers.Select(s => s.Name)))
        {
            throw new ArgumentException("--baseline-server must name the same processes, in the same order, as --server");
        }

        return new BenchOptions
        {
            Address = address,
            Duration = TimeSpan.FromSeconds(duration),
            Warmup = TimeSpan.FromSeconds(warmup),
            Rounds = rounds,
            Concurrency = concurrency,
            Servers = servers,
            Baseline = baseline,
            BaselineServers = baselineServers,
            ServerCpu = serverCpu,
        };
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes a positive integer, got '{value}'");

    private static ServerProcess Server(string value)
    {
        var parts = value.Split('=', 2);
        return parts.Length == 2 && parts[0].Length > 0 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new ServerProcess(parts[0], pid)
            : throw new ArgumentException($"--server takes NAME=PID, got '{value}'");
    }
}

using System.Diagnostics;
using System.Globalization;
using Gateway.Contracts.Redis;
using Gateway.TestSupport;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// A real, throwaway Redis Cluster: six redis-server processes (the Debian package) on free
/// loopback ports, three primaries and three replicas made by <c>redis-cli --cluster create</c>,
/// with the gateway's ACL users (<see cref="RedisUsers"/>) on every node. Helpers kill a primary
/// and wait for its replica to take over, bring the killed node back, and move a slot to another
/// primary (the steps of <c>redis-cli --cluster reshard</c>, one slot at a time).
/// </summary>
/// <remarks>
/// ACL users are per node in a cluster (nothing propagates them), so each node's configuration
/// file holds them, as run-redis.sh writes the single server's. Replicas authenticate to their
/// primary as the <c>default</c> user (<c>masterauth</c>): the administrator's, which no service uses.
/// </remarks>
public sealed class RedisClusterFixture : IRedisFixture, IAsyncLifetime
{
    private const int Nodes = 6;

    /// <summary>
    /// How long a node may be unreachable before the others call it failed: short, so a failover
    /// test takes seconds, yet well above a busy 2-core host's pauses.
    /// </summary>
    private const int NodeTimeoutMs = 2000;

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FailoverDeadline = TimeSpan.FromSeconds(60);

    private readonly string _directory = TestPaths.NewTempDirectory("gw-redis-cluster");
    private readonly string _password = Guid.NewGuid().ToString("N");
    private readonly Dictionary<string, string> _userPasswords = RedisUsers.All.ToDictionary(user => user.Name, _ => Guid.NewGuid().ToString("N"));
    private readonly List<ClusterNode> _nodes = [];

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public string Configuration => $"{Endpoints},password={_password},connectTimeout=10000";

    /// <summary>Every node's port, primaries and replicas (whichever role each has now).</summary>
    public IReadOnlyList<int> Ports => _nodes.Select(node => node.Port).ToArray();

    private string Endpoints => string.Join(',', _nodes.Select(node => "127.0.0.1:" + node.Port.ToString(CultureInfo.InvariantCulture)));

    /// <summary><paramref name="user"/>'s password on every node.</summary>
    public string PasswordOf(RedisUser user) => _userPasswords[user.Name];

    /// <summary>Three primaries (and a replica each), unless a test changed that.</summary>
    public int Primaries => Nodes / 2;

    public string ConfigurationFor(RedisUser user) =>
        $"{Endpoints},user={user.Name},password={_userPasswords[user.Name]},connectTimeout=10000";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        for (var i = 0; i < Nodes; i++)
        {
            var node = new ClusterNode(ClusterPort(), Path.Combine(_directory, "node" + i.ToString(CultureInfo.InvariantCulture)));
            Directory.CreateDirectory(node.Directory);
            await File.WriteAllTextAsync(Path.Combine(node.Directory, "redis.conf"), NodeConfiguration(node));
            _nodes.Add(node);
            Start(node);
        }

        foreach (var node in _nodes)
        {
            await Poll.UntilAsync(async _ => (await CliAsync(node.Port, "PING")).Output.Contains("PONG", StringComparison.Ordinal) ? "up" : null, StartDeadline, $"redis-server on {node.Port} to answer");
        }

        var create = await ProcessRunner.RunAsync(
            "redis-cli",
            ["-a", _password, "--no-auth-warning", "--cluster", "create", .. _nodes.Select(node => "127.0.0.1:" + node.Port.ToString(CultureInfo.InvariantCulture)), "--cluster-replicas", "1", "--cluster-yes"],
            _directory,
            StartDeadline);
        if (create.ExitCode != 0)
        {
            throw new InvalidOperationException("redis-cli --cluster create failed: " + create.Output);
        }

        await WaitHealthyAsync(_nodes, "the cluster to form");
        Redis = await ConnectionMultiplexer.ConnectAsync(Configuration);
    }

    public async Task DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        foreach (var node in _nodes)
        {
            if (node.Process is { HasExited: false } process)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }

            node.Process?.Dispose();
        }

        TestPaths.TryDelete(_directory);
    }

    /// <summary>The port of the primary serving <paramref name="slot"/> now, as the live nodes see it.</summary>
    public async Task<int> PrimaryOfSlotAsync(int slot)
    {
        var view = await TopologyAsync(LiveNodes().First());
        return view.Single(entry => entry.IsPrimary && entry.Slots.Any(range => range.Contains(slot))).Port;
    }

    /// <summary>The primary serving <paramref name="key"/>'s slot.</summary>
    public Task<int> PrimaryOfKeyAsync(RedisKey key) => PrimaryOfSlotAsync(Redis.HashSlot(key));

    /// <summary>
    /// SIGKILLs the primary serving <paramref name="slot"/> (no shutdown, no goodbye to its
    /// replica: a crash) and waits until its replica was promoted and every live node says the
    /// cluster is healthy again. Returns the killed node's port, for <see cref="RestartAsync"/>.
    /// </summary>
    public async Task<int> KillPrimaryAndWaitForFailoverAsync(int slot)
    {
        var port = await PrimaryOfSlotAsync(slot);
        await KillAndWaitAsync(port);
        return port;
    }

    /// <summary>
    /// SIGKILLs the node on <paramref name="port"/> and waits until the others marked it failed
    /// and, if it was a primary, promoted its replica: every slot served again.
    /// </summary>
    public async Task KillAndWaitAsync(int port)
    {
        var node = _nodes.Single(candidate => candidate.Port == port);
        node.Process!.Kill();
        await node.Process.WaitForExitAsync();
        node.Process.Dispose();
        node.Process = null;

        // Right after the kill the others still think all is well: wait until they agree it failed.
        await Poll.UntilAsync(
            async _ =>
            {
                try
                {
                    var view = await TopologyAsync(LiveNodes().First());
                    return view.Single(entry => entry.Port == port) is { Failed: true, Slots.Count: 0 } ? "failed" : null;
                }
                catch (InvalidOperationException)
                {
                    return null;
                }
            },
            FailoverDeadline,
            $"the cluster to mark {port} failed and hand over its slots");
        await WaitHealthyAsync(LiveNodes(), "the cluster to be healthy after the failover");
    }

    /// <summary>Starts a killed node again: it rejoins (from its nodes.conf) as a replica of the primary that replaced it.</summary>
    public async Task RestartAsync(int port)
    {
        var node = _nodes.Single(candidate => candidate.Port == port);
        Start(node);
        await WaitHealthyAsync(_nodes, $"node {port} to rejoin the cluster");
    }

    /// <summary>
    /// Moves <paramref name="slot"/> and its keys to the primary on <paramref name="toPort"/>, the way
    /// <c>redis-cli --cluster reshard</c> does: the target imports, the source migrates (clients
    /// meanwhile get <c>ASK</c> for keys already moved), keys go over with <c>MIGRATE</c> in
    /// batches, then every primary is told the new owner (clients then get <c>MOVED</c>).
    /// <paramref name="whileMigrating"/> runs between the first batch and the handover, so a test
    /// can send traffic while the slot is half moved.
    /// </summary>
    public async Task MoveSlotAsync(int slot, int toPort, Func<Task>? whileMigrating = null)
    {
        var view = await TopologyAsync(LiveNodes().First());
        var source = view.Single(entry => entry.IsPrimary && entry.Slots.Any(range => range.Contains(slot)));
        var target = view.Single(entry => entry.Port == toPort);
        if (!target.IsPrimary || source.Port == target.Port)
        {
            throw new ArgumentException($"Port {toPort} is not another primary than slot {slot}'s.", nameof(toPort));
        }

        var slotText = slot.ToString(CultureInfo.InvariantCulture);
        await CliOkAsync(target.Port, "CLUSTER", "SETSLOT", slotText, "IMPORTING", source.Id);
        await CliOkAsync(source.Port, "CLUSTER", "SETSLOT", slotText, "MIGRATING", target.Id);
        var first = true;
        while (true)
        {
            var keys = (await CliOkAsync(source.Port, "CLUSTER", "GETKEYSINSLOT", slotText, "100"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length > 0)
            {
                await CliOkAsync(source.Port, ["MIGRATE", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "AUTH", _password, "KEYS", .. keys]);
            }

            if (first && whileMigrating is not null)
            {
                await whileMigrating();
            }

            first = false;
            if (keys.Length == 0)
            {
                break;
            }
        }

        // The target first, then the source (which stops answering for the slot), then the rest,
        // as redis-cli does: a client is never sent to a node that does not know it owns the slot.
        await CliOkAsync(target.Port, "CLUSTER", "SETSLOT", slotText, "NODE", target.Id);
        await CliOkAsync(source.Port, "CLUSTER", "SETSLOT", slotText, "NODE", target.Id);
        foreach (var other in view.Where(entry => entry.IsPrimary && entry.Port != source.Port && entry.Port != target.Port))
        {
            await CliOkAsync(other.Port, "CLUSTER", "SETSLOT", slotText, "NODE", target.Id);
        }

        await WaitHealthyAsync(LiveNodes(), $"every node to agree on slot {slot}'s move");
    }

    /// <summary>The ports of the primaries now.</summary>
    public async Task<IReadOnlyList<int>> PrimariesAsync() =>
        (await TopologyAsync(LiveNodes().First())).Where(entry => entry.IsPrimary).Select(entry => entry.Port).ToArray();

    /// <summary>Runs a command on one node as the administrator and returns its output.</summary>
    public async Task<string> CommandAsync(int port, params string[] arguments) => await CliOkAsync(port, arguments);

    /// <summary>
    /// Every node in <paramref name="nodes"/> says <c>cluster_state:ok</c>, knows the same
    /// primaries and replicas, and every replica's link to its primary is up (so a failover has a
    /// synchronised replica to promote).
    /// </summary>
    private Task WaitHealthyAsync(IReadOnlyList<ClusterNode> nodes, string what) =>
        Poll.UntilAsync(
            async _ =>
            {
                foreach (var node in nodes)
                {
                    var info = await CliAsync(node.Port, "CLUSTER", "INFO");
                    if (!info.Output.Contains("cluster_state:ok", StringComparison.Ordinal)
                        || !info.Output.Contains("cluster_slots_ok:16384", StringComparison.Ordinal)
                        || !info.Output.Contains("cluster_slots_pfail:0", StringComparison.Ordinal))
                    {
                        return null;
                    }

                    var replication = await CliAsync(node.Port, "INFO", "replication");
                    if (replication.Output.Contains("role:slave", StringComparison.Ordinal)
                        && !replication.Output.Contains("master_link_status:up", StringComparison.Ordinal))
                    {
                        return null;
                    }

                    var view = await TopologyAsync(node);
                    if (view.Count(entry => !entry.Failed) < nodes.Count || view.Count(entry => entry.IsPrimary && !entry.Failed) != 3)
                    {
                        return null;
                    }
                }

                return "healthy";
            },
            StartDeadline,
            what);

    private IReadOnlyList<ClusterNode> LiveNodes() => _nodes.Where(node => node.Process is { HasExited: false }).ToArray();

    private async Task<IReadOnlyList<TopologyEntry>> TopologyAsync(ClusterNode node)
    {
        var nodes = await CliAsync(node.Port, "CLUSTER", "NODES");
        if (nodes.ExitCode != 0 || nodes.Output.StartsWith("ERR", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"CLUSTER NODES on {node.Port}: {nodes.Output}");
        }

        return nodes.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(TopologyEntry.Parse)
            .ToArray();
    }

    private void Start(ClusterNode node)
    {
        node.Process = Process.Start(new ProcessStartInfo("redis-server", [Path.Combine(node.Directory, "redis.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server).");
        node.Process.StandardOutput.ReadToEndAsync().ContinueWith(_ => { }, TaskScheduler.Default).Ignore();
        node.Process.StandardError.ReadToEndAsync().ContinueWith(_ => { }, TaskScheduler.Default).Ignore();
    }

    private string NodeConfiguration(ClusterNode node)
    {
        var lines = new List<string>
        {
            "port " + node.Port.ToString(CultureInfo.InvariantCulture),
            "bind 127.0.0.1",
            "dir " + node.Directory,
            "save \"\"",
            "appendonly no",
            "cluster-enabled yes",
            "cluster-config-file nodes.conf",
            "cluster-node-timeout " + NodeTimeoutMs.ToString(CultureInfo.InvariantCulture),
            // A replica promotes itself however long ago it last heard its primary: in a test the
            // point is that failover happens, not how stale a replica may be.
            "cluster-replica-validity-factor 0",
            "requirepass " + _password,
            "masterauth " + _password,
        };
        lines.AddRange(RedisUsers.All.Select(user => $"user {user.Name} {string.Join(' ', user.Rules)} >{_userPasswords[user.Name]}"));
        return string.Join('\n', lines) + "\n";
    }

    private Task<(int ExitCode, string Output)> CliAsync(int port, params string[] arguments) =>
        ProcessRunner.RunAsync(
            "redis-cli",
            ["-p", port.ToString(CultureInfo.InvariantCulture), "-a", _password, "--no-auth-warning", .. arguments],
            _directory,
            TimeSpan.FromSeconds(10));

    private async Task<string> CliOkAsync(int port, params string[] arguments)
    {
        var (exitCode, output) = await CliAsync(port, arguments);
        if (exitCode != 0 || output.StartsWith("ERR", StringComparison.Ordinal) || output.StartsWith("(error)", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli -p {port} {arguments[0]}: {output}");
        }

        return output;
    }

    /// <summary>A free port whose cluster bus port (port + 10000) is free too.</summary>
    private static int ClusterPort()
    {
        while (true)
        {
            var port = FreePorts.Loopback();
            try
            {
                using var bus = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port + 10_000);
                bus.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
        }
    }

    private sealed class ClusterNode(int port, string directory)
    {
        public int Port { get; } = port;

        public string Directory { get; } = directory;

        public Process? Process { get; set; }
    }

    private readonly record struct SlotRange(int First, int Last)
    {
        public bool Contains(int slot) => slot >= First && slot <= Last;
    }

    /// <summary>One line of <c>CLUSTER NODES</c>: <c>id ip:port@bus flags primary ping pong epoch link slots...</c>.</summary>
    private sealed record TopologyEntry(string Id, int Port, bool IsPrimary, bool Failed, IReadOnlyList<SlotRange> Slots)
    {
        public static TopologyEntry Parse(string line)
        {
            var fields = line.Split(' ');
            var address = fields[1];
            var port = int.Parse(address[(address.IndexOf(':', StringComparison.Ordinal) + 1)..address.IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            var flags = fields[2].Split(',');
            // Slots in migration show as "[slot->-id]" or "[slot-<-id]": still the source's until handed over.
            var slots = fields.Skip(8)
                .Where(field => !field.StartsWith('['))
                .Select(field => field.Split('-') is [var first, var last]
                    ? new SlotRange(int.Parse(first, CultureInfo.InvariantCulture), int.Parse(last, CultureInfo.InvariantCulture))
                    : new SlotRange(int.Parse(field, CultureInfo.InvariantCulture), int.Parse(field, CultureInfo.InvariantCulture)))
                .ToArray();
            return new TopologyEntry(fields[0], port, flags.Contains("master"), flags.Contains("fail") || flags.Contains("fail?"), slots);
        }
    }
}

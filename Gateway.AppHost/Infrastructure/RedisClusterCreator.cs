using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// Forms the cluster from its running, empty nodes with <c>redis-cli --cluster create</c>: slots
/// split evenly over the primaries, one replica each, no prompt. Done once per AppHost run: the
/// nodes keep their membership in <see cref="RedisClusterResource.StateDirectory"/>, so a node
/// restarted later rejoins by itself.
/// </summary>
internal static partial class RedisClusterCreator
{
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);

    public static async Task CreateAsync(RedisClusterResource cluster, ILogger logger, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--cluster");
        startInfo.ArgumentList.Add("create");
        foreach (var node in cluster.Nodes)
        {
            var host = await node.PrimaryEndpoint.Property(EndpointProperty.Host).GetValueAsync(cancellationToken);
            var port = await node.PrimaryEndpoint.Property(EndpointProperty.Port).GetValueAsync(cancellationToken);
            startInfo.ArgumentList.Add($"{host}:{port}");
        }

        startInfo.ArgumentList.Add("--cluster-replicas");
        startInfo.ArgumentList.Add(RedisClusterResource.ReplicasPerPrimary.ToString(CultureInfo.InvariantCulture));
        startInfo.ArgumentList.Add("--cluster-yes");
        // The password through the environment, never the arguments (anyone may read those in /proc).
        startInfo.Environment["REDISCLI_AUTH"] = await cluster.Password.GetValueAsync(cancellationToken) ?? string.Empty;
        // redis-cli colours its cluster report for xterm-like terminals; the log is not one.
        startInfo.Environment["TERM"] = "dumb";

        var started = Stopwatch.GetTimestamp();
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException("redis-cli did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-cli is not installed. Install it with: sudo apt-get install -y redis-server", ex);
        }

        using (process)
        {
            var output = Task.WhenAll(
                ForwardAsync(process.StandardOutput, line => Log.Output(logger, line)),
                ForwardAsync(process.StandardError, line => Log.Error(logger, line)));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CreateTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                await output;
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create exited with {process.ExitCode}: see the log of '{cluster.Name}'.");
            }
        }

        Log.Created(logger, cluster.Nodes.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private static async Task ForwardAsync(StreamReader reader, Action<string> log)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0)
            {
                log(line);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
        public static partial void Output(ILogger logger, string line);

        [LoggerMessage(Level = LogLevel.Warning, Message = "{Line}")]
        public static partial void Error(ILogger logger, string line);

        [LoggerMessage(Level = LogLevel.Information, Message = "Cluster of {Nodes} nodes created in {Seconds:F1} s.")]
        public static partial void Created(ILogger logger, int nodes, double seconds);
    }
}

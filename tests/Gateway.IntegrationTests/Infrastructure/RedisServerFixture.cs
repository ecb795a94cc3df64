using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.Contracts.Redis;
using Gateway.TestSupport;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>A real, throwaway redis-server (the Debian package) on a free loopback port.</summary>
public sealed class RedisServerFixture : IRedisFixture, IAsyncLifetime
{
    private Process? _process;

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>
    /// For more connections to the same server (a second replica's): a connect timeout for a
    /// busy 2-core test host, not the short one the start-up probe retries with (a CI run timed
    /// out connecting a replica with 500 ms while other test classes were starting their servers).
    /// </summary>
    public string Configuration { get; private set; } = string.Empty;

    /// <summary>The administrator's: this server has no ACL users (the cluster fixture has the gateway's).</summary>
    public string ConfigurationFor(RedisUser user) => Configuration;

    public int Primaries => 1;

    public async Task InitializeAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _process = Process.Start(new ProcessStartInfo("redis-server", ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("redis-server did not start (apt-get install redis-server).");
        _process.StandardOutput.ReadToEndAsync().ContinueWith(_ => { }, TaskScheduler.Default).Ignore();

        Redis = await Poll.UntilAsync<IConnectionMultiplexer>(
            async _ =>
            {
                try
                {
                    return await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},connectTimeout=500");
                }
                catch (RedisConnectionException)
                {
                    return null;
                }
            },
            TimeSpan.FromSeconds(15),
            "redis-server to accept connections");
        Configuration = $"127.0.0.1:{port},connectTimeout=10000";
    }

    public async Task DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}

using System.Diagnostics;
using System.Text;
using Gateway.TestSupport;

namespace Gateway.IntegrationTests.Infrastructure;

/// <summary>
/// The built proxy, started as its own process with the shipped configuration plus test
/// settings (no Redis, no auth service: what start-up and listeners need only), stopped on dispose.
/// </summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ProxyProcess(Process process) => _process = process;

    public static string Directory { get; } =
        Path.Combine(TestPaths.RepositoryRoot(), "Gateway.Proxy", "bin", ProcessRunner.Configuration, "net10.0");

    /// <summary>What the process has written so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The settings every proxy started by a test gets: no Redis, no OTLP exporter, no configuration store.</summary>
    public static Dictionary<string, string> BaseSettings(Dictionary<string, string> settings) => new(settings)
    {
        ["ConnectionStrings__redis"] = "127.0.0.1:1,abortConnect=false",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty,
        // No auth service to load stored versions from: the configuration file only, at once.
        ["Gateway__RuntimeConfig__Enabled"] = "false",
    };

    public static ProxyProcess Start(Dictionary<string, string> settings)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add("Gateway.Proxy.dll");
        foreach (var (name, value) in BaseSettings(settings))
        {
            startInfo.Environment[name] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("The proxy did not start.");
        var proxy = new ProxyProcess(process);
        process.OutputDataReceived += (_, line) => proxy.Append(line.Data);
        process.ErrorDataReceived += (_, line) => proxy.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return proxy;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Gateway.AppHost.Infrastructure;

/// <summary>Answers whether a container engine is up, the same way Aspire will need it to be.</summary>
internal static class ContainerRuntime
{
    public static bool IsHealthy(IConfiguration configuration)
    {
        // Aspire honours ASPIRE_CONTAINER_RUNTIME (docker or podman); probe the same one.
        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            // The client answers at once when no daemon is listening; a hung daemon is as bad as none.
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // Not installed.
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace Gateway.AppHost.Infrastructure;

internal static class FreePort
{
    /// <summary>
    /// Asks the kernel for an unused loopback port. The executables listen on it directly (not
    /// behind DCP's proxy) so that a stopped server refuses connections at once instead of
    /// leaving clients hanging on a proxy that still accepts them.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

namespace Gateway.TestSupport;

public static class FreePorts
{
    /// <summary>
    /// A free loopback port below the ephemeral range: a port the OS hands out itself could
    /// meanwhile be the local end of some outgoing connection, and a test could then not listen on it.
    /// </summary>
    public static int Loopback()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 100)
            {
            }
        }
    }
}

using System.Net;

namespace Gateway.Proxy.Routing;

/// <summary>
/// Which backend a destination address names, for the overlap check: the host (loopback names and
/// addresses are one host) and the port when the address gives one other than its scheme's
/// default; an address without one may be any port of that host (service discovery addresses such
/// as <c>https+http://sampleapi</c> resolve to several). A service discovery address that names one
/// of the service's endpoints (<c>http://_grpc.sampleapi</c>, DNS SRV style) is that service's
/// host too: the endpoint is another port of the same server, which may serve every path the
/// others do. Plus the destination's own path, which YARP puts in front of every forwarded path.
/// </summary>
internal sealed record BackendAddress(string Host, int? Port, IReadOnlyList<PathSegment> BasePath)
{
    private const string Loopback = "(loopback)";

    public static BackendAddress? Parse(string? address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return null;
        }

        var host = uri.IdnHost.Trim('[', ']').ToLowerInvariant();
        var namedEndpoint = false;
        while (host.StartsWith('_') && host.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot && dot < host.Length - 1)
        {
            host = host[(dot + 1)..];
            namedEndpoint = true;
        }

        if (host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip)))
        {
            host = Loopback;
        }

        int? port = namedEndpoint || uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port;
        return new BackendAddress(host, port, PathShape.LiteralSegments(uri.AbsolutePath));
    }

    /// <summary>Whether both may be the same server.</summary>
    public bool SameServerAs(BackendAddress other) =>
        Host == other.Host && (Port is null || other.Port is null || Port == other.Port);

    public override string ToString() => Port is null ? Host : $"{Host}:{Port}";
}

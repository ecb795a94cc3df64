using System.Net;

namespace Gateway.Proxy.Routing;

/// <summary>
/// Which backend a destination address names, for the overlap check: the host (loopback names and
/// addresses are one host) and the port when the address gives one other than its scheme's
/// default; an address without one may be any port of that host (service discovery addresses such
/// as <c>https+http://sampleapi</c> resolve to several). Plus the destination's own path, which
/// YARP puts in front of every forwarded path.
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
        if (host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip)))
        {
            host = Loopback;
        }

        int? port = uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port;
        return new BackendAddress(host, port, PathShape.LiteralSegments(uri.AbsolutePath));
    }

    /// <summary>Whether both may be the same server.</summary>
    public bool SameServerAs(BackendAddress other) =>
        Host == other.Host && (Port is null || other.Port is null || Port == other.Port);

    public override string ToString() => Port is null ? Host : $"{Host}:{Port}";
}

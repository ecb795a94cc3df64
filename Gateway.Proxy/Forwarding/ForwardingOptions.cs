using System.Net;

namespace Gateway.Proxy.Forwarding;

/// <summary>Settings of the <c>Gateway:Forwarding</c> section.</summary>
internal sealed class ForwardingOptions
{
    public const string SectionName = "Gateway:Forwarding";

    /// <summary>Route metadata key: <c>"true"</c> forwards the caller's Authorization/X-Api-Key header.</summary>
    public const string ForwardCredentialsMetadata = "ForwardCredentials";

    /// <summary>
    /// Addresses or CIDR networks of proxies in front of the gateway whose X-Forwarded-For is
    /// believed (and appended to). Everyone else's is replaced by the socket address.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    public IReadOnlyList<IPNetwork> ParseTrustedProxies() => TrustedProxies
        .Select(entry => entry.Contains('/', StringComparison.Ordinal)
            ? IPNetwork.Parse(entry)
            : new IPNetwork(IPAddress.Parse(entry), IPAddress.Parse(entry).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
        .ToList();
}

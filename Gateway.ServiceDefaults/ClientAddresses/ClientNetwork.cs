using System.Net;
using System.Net.Sockets;

namespace Gateway.ServiceDefaults.ClientAddresses;

/// <summary>
/// The one function that turns a client address into the client's identity for every per-address
/// limit (rate limits, failed credentials, credential lookups, login throttling): IPv4-mapped IPv6
/// addresses become IPv4 once, then the address is masked to its group's prefix and written in one
/// canonical form (<c>203.0.113.7</c>, <c>2001:db8:1:2::/64</c>).
/// </summary>
public static class ClientNetwork
{
    /// <summary>What clients without a known address share.</summary>
    public const string Unknown = "unknown";

    /// <summary><c>::ffff:192.0.2.1</c> is <c>192.0.2.1</c>: dual-stack sockets report IPv4 clients in that form.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The canonical key of the client group <paramref name="address"/> belongs to.</summary>
    public static string Key(IPAddress? address, int ipv4PrefixLength = 32, int ipv6PrefixLength = 64)
    {
        if (address is null)
        {
            return Unknown;
        }

        address = Normalize(address);
        var prefix = address.AddressFamily == AddressFamily.InterNetwork ? ipv4PrefixLength : ipv6PrefixLength;
        var full = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix >= full)
        {
            // Zone ids (fe80::1%eth0) name an interface of this host, not a different client.
            return address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()).ToString() : address.ToString();
        }

        // IPNetwork masks the host bits away and prints "network/prefix".
        return new IPNetwork(Mask(address, prefix), prefix).ToString();
    }

    /// <summary>
    /// The canonical key for a client identity a caller passed as text (an address or a group such as
    /// <c>2001:db8::/64</c>); null when it is neither. Addresses are grouped with the default prefixes.
    /// </summary>
    public static string? CanonicalKey(string text)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out var network) ? network.ToString() : null;
        }

        return IPAddress.TryParse(text, out var address) ? Key(address) : null;
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}

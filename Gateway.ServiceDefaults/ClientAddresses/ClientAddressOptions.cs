using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Gateway.ServiceDefaults.ClientAddresses;

/// <summary>
/// Settings of the <c>Gateway:Forwarding</c> section that decide who a client is, network-wise: which
/// peers' <c>X-Forwarded-For</c> is believed, and how addresses are grouped into one client.
/// </summary>
public sealed class ClientAddressOptions
{
    public const string SectionName = "Gateway:Forwarding";

    /// <summary>
    /// Addresses or CIDR networks of proxies in front of the service (TLS terminators, load
    /// balancers) whose <c>X-Forwarded-For</c> is believed. Everyone else's is ignored.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>
    /// IPv6 clients are grouped by this prefix: one /64 is what a single subscriber usually gets
    /// (RFC 6177), so an attacker holding one has 2^64 addresses but only one bucket.
    /// </summary>
    [Range(1, 128)]
    public int IPv6PrefixLength { get; set; } = 64;

    /// <summary>IPv4 clients are grouped by this prefix (32: each address is its own client).</summary>
    [Range(1, 32)]
    public int IPv4PrefixLength { get; set; } = 32;

    /// <summary>The trusted proxies as networks; throws <see cref="FormatException"/> naming a bad entry.</summary>
    public IReadOnlyList<IPNetwork> ParseTrustedProxies() => TrustedProxies.Select(ParseNetwork).ToList();

    internal bool TrustedProxiesAreValid(out string? error)
    {
        foreach (var entry in TrustedProxies)
        {
            try
            {
                ParseNetwork(entry);
            }
            catch (FormatException)
            {
                error = $"{SectionName}:TrustedProxies: '{entry}' is neither an IP address nor a CIDR network.";
                return false;
            }
        }

        error = null;
        return true;
    }

    private static IPNetwork ParseNetwork(string entry)
    {
        var text = entry.Trim();
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out var network) ? network : throw new FormatException(entry);
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            throw new FormatException(entry);
        }

        address = ClientNetwork.Normalize(address);
        return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }
}

using System.Net;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// Who the client is, network-wise: the socket's address, unless the socket belongs to a
/// configured trusted proxy, in which case the right-most X-Forwarded-For entry that is not a
/// trusted proxy. A client cannot pick its own address by sending X-Forwarded-For.
/// </summary>
internal sealed class ClientAddressResolver(IOptions<ForwardingOptions> options)
{
    private readonly IReadOnlyList<IPNetwork> _trustedProxies = options.Value.ParseTrustedProxies();

    public IPAddress? Resolve(HttpContext context)
    {
        var remote = Normalize(context.Connection.RemoteIpAddress);
        if (remote is null || !IsTrusted(remote))
        {
            return remote;
        }

        var forwarded = context.Request.Headers["X-Forwarded-For"];
        for (var i = forwarded.Count - 1; i >= 0; i--)
        {
            var entries = (forwarded[i] ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var j = entries.Length - 1; j >= 0; j--)
            {
                if (!IPAddress.TryParse(entries[j], out var hop))
                {
                    return remote; // A malformed chain is not believed at all.
                }

                hop = Normalize(hop)!;
                if (!IsTrusted(hop))
                {
                    return hop;
                }
            }
        }

        return remote;
    }

    public bool IsTrusted(IPAddress address)
    {
        foreach (var network in _trustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress? Normalize(IPAddress? address) =>
        address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}

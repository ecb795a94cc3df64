using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.ServiceDefaults.ClientAddresses;

/// <summary>
/// Who the client is, network-wise, the same way in every service that meets clients (the proxy's
/// limits and account endpoints, the dashboard's sign-in): the socket's address, unless the socket
/// belongs to a configured trusted proxy, in which case the right-most <c>X-Forwarded-For</c> entry
/// that is not a trusted proxy. A client cannot pick its own address by sending
/// <c>X-Forwarded-For</c>. <see cref="Key"/> groups the address into its client (see
/// <see cref="ClientNetwork"/>).
/// </summary>
public sealed class ClientAddressResolver
{
    private readonly IReadOnlyList<IPNetwork> _trustedProxies;
    private readonly int _ipv4Prefix;
    private readonly int _ipv6Prefix;

    public ClientAddressResolver(IOptions<ClientAddressOptions> options)
    {
        _trustedProxies = options.Value.ParseTrustedProxies();
        _ipv4Prefix = options.Value.IPv4PrefixLength;
        _ipv6Prefix = options.Value.IPv6PrefixLength;
    }

    /// <summary>The client's address (for <c>X-Forwarded-For</c>); null when the connection has none.</summary>
    public IPAddress? Resolve(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress is { } socket ? ClientNetwork.Normalize(socket) : null;
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

                hop = ClientNetwork.Normalize(hop);
                if (!IsTrusted(hop))
                {
                    return hop;
                }
            }
        }

        return remote;
    }

    /// <summary>
    /// The client's group key (<c>203.0.113.7</c>, <c>2001:db8:1:2::/64</c>, or
    /// <see cref="ClientNetwork.Unknown"/>): what every per-client bucket is keyed on. Computed once
    /// per connection when the peer is not a trusted proxy (the answer then depends on the socket only).
    /// </summary>
    public string Key(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return ClientNetwork.Unknown;
        }

        var items = context.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items is not null && items.TryGetValue(typeof(ClientKeyMemo), out var value) && value is ClientKeyMemo memo)
        {
            return memo.Key;
        }

        var key = ClientNetwork.Key(Resolve(context), _ipv4Prefix, _ipv6Prefix);
        if (items is not null && !IsTrusted(ClientNetwork.Normalize(remote)))
        {
            items[typeof(ClientKeyMemo)] = new ClientKeyMemo(key);
        }

        return key;
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

    /// <summary>A connection's client key (see <see cref="Key"/>).</summary>
    private sealed record ClientKeyMemo(string Key);
}

using System.Net;
using CsCheck;
using Gateway.Proxy.Forwarding;
using Gateway.ServiceDefaults.ClientAddresses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Proxy.Forwarding;

/// <summary>Generated properties of client address resolution and identity-header ownership.</summary>
public sealed class ForwardingPropertyTests
{
    private static readonly ClientAddressResolver Resolver = new(Options.Create(new ClientAddressOptions { TrustedProxies = ["10.0.0.0/8", "::1"] }));

    private static readonly Gen<IPAddress> V4 = Gen.Byte.Array[4, 4].Select(b => new IPAddress(b));

    private static readonly Gen<IPAddress> Peer = Gen.Frequency<IPAddress>(
        (2, V4),
        (2, Gen.Byte.Array[3, 3].Select(b => new IPAddress([10, b[0], b[1], b[2]]))),
        (1, Gen.Const(IPAddress.IPv6Loopback)),
        (1, V4.Select(a => a.MapToIPv6())));

    /// <summary>X-Forwarded-For entries: addresses, trusted ones, and junk.</summary>
    private static readonly Gen<string> Entry = Gen.Frequency<string>(
        (3, Peer.Select(a => a.ToString())),
        (1, Gen.OneOf<string>("unknown", "", " ", "1.2.3.4:80", "[::1]:443", "fe80::1%eth0", "127.1", "0x7f.1", "999.1.1.1", "_hidden", "6.6.6.6, 7.7.7.7")));

    [Fact]
    public void Resolve_UntrustedPeer_IsThePeerWhateverTheHeadersSay()
    {
        Gen.Select(V4.Where(a => a.GetAddressBytes()[0] != 10), Entry.Array[0, 6]).Sample((peer, chain) =>
        {
            Assert.Equal(peer, Resolver.Resolve(Context(peer, chain)));
        }, iter: 2_000);
    }

    [Fact]
    public void Resolve_TrustedPeer_RightmostUntrustedEntryOrThePeer_NeverATrustedProxy()
    {
        Gen.Select(Gen.Byte.Array[3, 3].Select(b => new IPAddress([10, b[0], b[1], b[2]])), Entry.Array[0, 6]).Sample((peer, chain) =>
        {
            var resolved = Resolver.Resolve(Context(peer, chain));
            Assert.NotNull(resolved);
            Assert.True(resolved.Equals(peer) || !Resolver.IsTrusted(resolved), $"resolved to trusted {resolved}");
            if (!resolved.Equals(peer))
            {
                // Only an address the chain actually named.
                Assert.Contains(chain.SelectMany(e => e.Split(',')), e => IPAddress.TryParse(e.Trim(), out var a) && (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(resolved));
            }
        }, iter: 2_000);
    }

    [Fact]
    public void IsGatewayOwned_AnySpellingOfXUserOrXGateway_WithUnderscoresOrAnyCase()
    {
        var separator = Gen.OneOf('-', '_');
        var prefix = Gen.Select(Gen.OneOf<string>("x", "X"), separator, Gen.OneOf<string>("user", "USER", "User", "gateway", "GaTeWaY"), separator);
        Gen.Select(prefix, Gen.Char["abcdefghijklmnopqrstuvwxyzABC-_"].Array[0, 12]).Sample((p, rest) =>
        {
            var name = $"{p.Item1}{p.Item2}{p.Item3}{p.Item4}{new string(rest)}";
            Assert.True(IdentityTransformProvider.IsGatewayOwned(name), name);
        }, iter: 2_000);

        Gen.Char["abcdefghijklmnopqrstuvwxyz-_"].Array[0, 20].Select(a => new string(a))
            .Where(n => !n.Replace('_', '-').StartsWith("x-user-", StringComparison.OrdinalIgnoreCase) && !n.Replace('_', '-').StartsWith("x-gateway-", StringComparison.OrdinalIgnoreCase))
            .Sample(name => Assert.False(IdentityTransformProvider.IsGatewayOwned(name), name), iter: 2_000);
    }

    [Theory]
    [InlineData("X-Forwarded-Proto")]
    [InlineData("x_forwarded_host")]
    [InlineData("X-Forwarded-Prefix")]
    [InlineData("Forwarded")]
    [InlineData("X-Real-IP")]
    [InlineData("x_real_ip")]
    public void IsForwardingHeader_ProxyChainHeaders_InAnySpelling(string name) =>
        Assert.True(IdentityTransformProvider.IsForwardingHeader(name));

    [Theory]
    [InlineData("Accept")]
    [InlineData("X-Request-Id")]
    [InlineData("X-Forward")]
    public void IsForwardingHeader_OtherHeaders_False(string name) =>
        Assert.False(IdentityTransformProvider.IsForwardingHeader(name));

    private static DefaultHttpContext Context(IPAddress peer, string[] chain)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = peer;
        if (chain.Length > 0)
        {
            context.Request.Headers["X-Forwarded-For"] = chain;
        }

        return context;
    }
}

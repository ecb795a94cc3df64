using System.Net;
using CsCheck;
using Gateway.ServiceDefaults.ClientAddresses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.ServiceDefaults;

/// <summary>The one function that turns an address into a client: grouping, normalisation, canonical text.</summary>
public sealed class ClientNetworkTests
{
    private static readonly Gen<byte[]> V6Bytes = Gen.Byte.Array[16, 16]
        // Not IPv4-mapped: those are IPv4 clients (tested apart).
        .Where(b => !(b[..10].All(x => x == 0) && b[10] == 0xFF && b[11] == 0xFF));

    [Fact]
    public void Key_AddressesInOneIPv6Slash64_ShareOneKey_OtherSlash64sDoNot()
    {
        Gen.Select(V6Bytes, Gen.Byte.Array[8, 8], Gen.Int[0, 63]).Sample((address, otherInterface, flippedBit) =>
        {
            var sameNetwork = address[..8].Concat(otherInterface).ToArray();
            var otherNetwork = (byte[])address.Clone();
            otherNetwork[flippedBit / 8] ^= (byte)(0x80 >> (flippedBit % 8));

            var key = ClientNetwork.Key(new IPAddress(address));
            Assert.Equal(key, ClientNetwork.Key(new IPAddress(sameNetwork)));
            Assert.NotEqual(key, ClientNetwork.Key(new IPAddress(otherNetwork)));
            Assert.EndsWith("/64", key, StringComparison.Ordinal);
        }, iter: 2_000);
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", 56, "2001:db8:1::/56")]
    [InlineData("2001:db8::1", 128, "2001:db8::1")]
    [InlineData("::ffff:203.0.113.7", 64, "203.0.113.7")]
    [InlineData("203.0.113.7", 64, "203.0.113.7")]
    [InlineData("fe80::1%2", 128, "fe80::1")]
    public void Key_CanonicalForm(string address, int ipv6Prefix, string expected) =>
        Assert.Equal(expected, ClientNetwork.Key(IPAddress.Parse(address), ipv6PrefixLength: ipv6Prefix));

    [Fact]
    public void Key_IPv4Prefix_GroupsIPv4Too() =>
        Assert.Equal("198.51.100.0/24", ClientNetwork.Key(IPAddress.Parse("198.51.100.77"), ipv4PrefixLength: 24));

    [Fact]
    public void Key_IPv4MappedAndPlainIPv4_AreOneClient()
    {
        Gen.Byte.Array[4, 4].Sample(bytes =>
        {
            var v4 = new IPAddress(bytes);
            Assert.Equal(ClientNetwork.Key(v4), ClientNetwork.Key(v4.MapToIPv6()));
        }, iter: 1_000);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("not an address", null)]
    [InlineData("2001:db8:1:2::/64", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::99", "2001:db8:1:2::/64")]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    public void CanonicalKey_OfWhatACallerPassed(string text, string? expected) =>
        Assert.Equal(expected, ClientNetwork.CanonicalKey(text));

    [Fact]
    public void CanonicalKey_OfAnyKey_IsThatKey()
    {
        Gen.OneOf(V6Bytes, Gen.Byte.Array[4, 4]).Sample(bytes =>
        {
            var key = ClientNetwork.Key(new IPAddress(bytes));
            Assert.Equal(key, ClientNetwork.CanonicalKey(key));
        }, iter: 1_000);
    }

    [Fact]
    public void ResolverKey_TrustedProxyForwardingTwoClients_TwoKeys_SameSlash64OneKey()
    {
        var resolver = new ClientAddressResolver(Options.Create(new ClientAddressOptions { TrustedProxies = ["10.0.0.1"] }));
        string KeyOf(string forwardedFor)
        {
            var context = new DefaultHttpContext();
            context.Connection.RemoteIpAddress = IPAddress.Parse("10.0.0.1");
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
            return resolver.Key(context);
        }

        Assert.NotEqual(KeyOf("198.51.100.1"), KeyOf("198.51.100.2"));
        Assert.Equal(KeyOf("2001:db8:5:6::1"), KeyOf("2001:db8:5:6:ffff::2"));
        Assert.Equal("2001:db8:5:6::/64", KeyOf("6.6.6.6, 2001:db8:5:6::1"));
    }

    [Fact]
    public void Options_BadTrustedProxy_RefusedNamingIt()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Forwarding:TrustedProxies:0"] = "10.0.0.0/8",
            ["Gateway:Forwarding:TrustedProxies:1"] = "10.0.0.300",
        });
        builder.AddClientAddresses();
        using var host = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<ClientAddressOptions>>().Value);
        Assert.Contains("'10.0.0.300'", error.Message, StringComparison.Ordinal);
    }
}

using Gateway.ServiceDefaults.ClientAddresses;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

public static class ForwardedSchemeExtensions
{
    /// <summary>
    /// Makes <c>Request.Scheme</c> (and so <c>Request.IsHttps</c>: Secure cookies, HSTS) follow
    /// <c>X-Forwarded-Proto</c> from the trusted proxies of <c>Gateway:Forwarding:TrustedProxies</c>
    /// (a TLS terminator in front), and only from them. Only the scheme: the client address has its
    /// own resolver (<see cref="ClientAddressResolver"/>), which must keep seeing the socket's peer.
    /// Needs <c>AddClientAddresses</c>.
    /// </summary>
    public static WebApplication UseTrustedForwardedProto(this WebApplication app)
    {
        var trusted = app.Services.GetRequiredService<IOptions<ClientAddressOptions>>().Value.ParseTrustedProxies();
        if (trusted.Count == 0)
        {
            // With no known proxies and networks the middleware would believe every peer: off instead.
            return app;
        }

        var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedProto, ForwardLimit = 1 };
        // The defaults trust loopback, where every local process (and here every test client) lives.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var network in trusted)
        {
            options.KnownIPNetworks.Add(network);
        }

        app.UseForwardedHeaders(options);
        return app;
    }
}

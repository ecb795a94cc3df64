using System.Security.Authentication;
using Gateway.ServiceDefaults.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class TlsExtensions
{
    /// <summary>
    /// Every HTTPS listener (Kestrel's endpoints with an <c>https</c> URL) is served with the
    /// certificate of <c>Gateway:Tls</c> (see <see cref="TlsOptions"/>), checked at start-up, and
    /// negotiates TLS 1.2 or 1.3 only. Listeners, ports and protocols (HTTP/1.1, HTTP/2 by ALPN)
    /// stay Kestrel's configuration.
    /// </summary>
    public static TBuilder AddGatewayTls<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TlsCertificateLoader>();
        builder.Services.AddSingleton<IValidateOptions<TlsOptions>, TlsOptionsValidator>();
        builder.Services.AddOptions<TlsOptions>()
            .BindConfiguration(TlsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<HstsOptions>()
            .Configure<IOptions<TlsOptions>>((hsts, tls) =>
            {
                if (tls.Value.HstsMaxAge is { } maxAge)
                {
                    hsts.MaxAge = maxAge;
                }
            });

        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<TlsOptions>, TlsCertificateLoader>((kestrel, tls, loader) => kestrel.ConfigureHttpsDefaults(https =>
            {
                // TLS 1.0 and 1.1 are deprecated (RFC 8996).
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                // Reading the options runs their validation: a certificate that cannot be served stops start-up.
                if (loader.Get(tls.Value).Certificate is { } certificate)
                {
                    https.ServerCertificate = certificate;
                }
            }));

        return builder;
    }

    /// <summary>
    /// <c>Gateway:Tls:RedirectHttp</c> and <c>Gateway:Tls:HstsMaxAge</c>, when set. Health
    /// endpoints stay answerable over plain HTTP: the orchestrator probes them there.
    /// </summary>
    public static WebApplication UseGatewayTls(this WebApplication app)
    {
        var tls = app.Services.GetRequiredService<IOptions<TlsOptions>>().Value;
        if (tls.HstsMaxAge is { } maxAge && maxAge > TimeSpan.Zero)
        {
            app.UseHsts();
        }

        if (tls.RedirectHttp)
        {
            app.UseWhen(
                context => !context.Request.Path.StartsWithSegments(Extensions.HealthEndpointPath)
                    && !context.Request.Path.StartsWithSegments(Extensions.AlivenessEndpointPath),
                redirect => redirect.UseHttpsRedirection());
        }

        return app;
    }
}

using System.ComponentModel.DataAnnotations;

namespace Gateway.ServiceDefaults.Tls;

/// <summary>
/// The server certificate of a service's HTTPS listeners (section <c>Gateway:Tls</c>). Which
/// listeners exist, and on which ports with which protocols, is Kestrel's own configuration
/// (<c>Kestrel:Endpoints</c>, which the AppHost writes); this names the certificate every HTTPS
/// listener without one of its own is served with, and checks it at start-up.
/// </summary>
public sealed class TlsOptions
{
    public const string SectionName = "Gateway:Tls";

    /// <summary>
    /// A PEM certificate (with <see cref="KeyPath"/>) or a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>,
    /// key included). Unset: no certificate is configured and HTTPS listeners fall back to Kestrel's
    /// own (<c>Kestrel:Certificates:Default</c>, then the ASP.NET Core developer certificate).
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>; PKCS#8, encrypted when <see cref="Password"/> is set.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The PKCS#12 file's password, or the PEM key's (for an encrypted key). Pass it as a secret, never in a file.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// Answer plain-HTTP requests with a redirect to the same URL over HTTPS (307, so a POST stays
    /// a POST; the HTTPS port is <c>ASPNETCORE_HTTPS_PORT</c>, which Aspire sets to the public one).
    /// Off by default: API clients rarely follow redirects with their credentials, and the plain
    /// listener is what local tools and the benchmark use. Health endpoints are never redirected.
    /// </summary>
    public bool RedirectHttp { get; set; }

    /// <summary>
    /// When set, HTTPS responses carry <c>Strict-Transport-Security</c> with this max-age (browsers
    /// then refuse plain HTTP to the host for that long). Not sent for localhost and loopback
    /// addresses, which a browser would then refuse for every other local service too.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan? HstsMaxAge { get; set; }
}

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
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.ServiceDefaults.Tls;

/// <summary>
/// Loads <see cref="TlsOptions"/>' certificate once, for the start-up check and for Kestrel alike,
/// and turns every way it can be wrong into one sentence that names the setting to fix.
/// </summary>
internal sealed class TlsCertificateLoader(TimeProvider time)
{
    private readonly Lock _lock = new();
    private TlsOptions? _options;
    private (X509Certificate2? Certificate, string? Error) _loaded;

    /// <summary>
    /// <paramref name="options"/>' certificate (null when none is configured) and why it cannot be
    /// served (null when it can), loaded on the first call for these options.
    /// </summary>
    public (X509Certificate2? Certificate, string? Error) Get(TlsOptions options)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_options, options))
            {
                _loaded = Load(options, time.GetUtcNow());
                _options = options;
            }

            return _loaded;
        }
    }

    internal static (X509Certificate2? Certificate, string? Error) Load(TlsOptions options, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return string.IsNullOrWhiteSpace(options.KeyPath)
                ? (null, null)
                : (null, $"{TlsOptions.SectionName}:KeyPath is set but {TlsOptions.SectionName}:CertificatePath is not.");
        }

        var path = options.CertificatePath;
        if (!File.Exists(path))
        {
            return (null, $"{TlsOptions.SectionName}:CertificatePath '{path}' does not exist.");
        }

        if (!string.IsNullOrWhiteSpace(options.KeyPath) && !File.Exists(options.KeyPath))
        {
            return (null, $"{TlsOptions.SectionName}:KeyPath '{options.KeyPath}' does not exist.");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = IsPkcs12(path, options.KeyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(path, options.Password, X509KeyStorageFlags.EphemeralKeySet)
                : LoadPem(path, options.KeyPath, options.Password);
        }
        catch (CryptographicException exception)
        {
            var what = IsPkcs12(path, options.KeyPath) ? $"the PKCS#12 file '{path}'" : $"'{path}' with key '{options.KeyPath}'";
            var password = string.IsNullOrEmpty(options.Password) ? "no password was given" : $"{TlsOptions.SectionName}:Password may be wrong";
            return (null, $"{TlsOptions.SectionName}: cannot read {what} ({password}): {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, $"{TlsOptions.SectionName}: cannot read '{path}': {exception.Message}");
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            return (null, $"{TlsOptions.SectionName}:CertificatePath '{path}' holds no private key: give a PKCS#12 file with its key, or the PEM key as {TlsOptions.SectionName}:KeyPath.");
        }

        if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            var expired = certificate.NotAfter.ToUniversalTime();
            certificate.Dispose();
            return (null, $"{TlsOptions.SectionName}:CertificatePath '{path}' expired on {expired:yyyy-MM-dd HH:mm} UTC.");
        }

        return (certificate, null);
    }

    private static bool IsPkcs12(string path, string? keyPath) =>
        string.IsNullOrWhiteSpace(keyPath)
        && (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase));

    private static X509Certificate2 LoadPem(string path, string? keyPath, string? password)
    {
        // A PEM file may carry its key itself (keyPath unset). Linux's SslStream serves a PEM-loaded
        // key as is; no round trip through PKCS#12 is needed (that is a Windows requirement).
        return string.IsNullOrEmpty(password)
            ? X509Certificate2.CreateFromPemFile(path, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);
    }
}

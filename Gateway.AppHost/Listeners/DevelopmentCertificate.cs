using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.AppHost.Listeners;

/// <summary>
/// The run-mode server certificate when the operator gives none: a self-signed certificate for
/// <c>localhost</c>, <c>127.0.0.1</c> and <c>[::1]</c>, created once per user and reused until it
/// nears expiry, so a developer trusts one file (<c>curl --cacert</c>, a browser exception, an
/// <c>HttpClient</c> trust store) and keeps trusting it across runs. These machines have no ASP.NET
/// Core developer certificate (and <c>dotnet dev-certs</c> cannot make one trusted on Linux
/// without a desktop trust store), so the AppHost makes its own.
/// </summary>
internal static class DevelopmentCertificate
{
    public const string CertificateFileName = "gateway-localhost.crt";
    public const string KeyFileName = "gateway-localhost.key";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);

    // Renewed this long before it expires, so no run starts with a certificate that ends mid-run.
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>The per-user default directory (<c>~/.local/share/gateway/tls</c>).</summary>
    public static string DefaultDirectory() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "gateway", "tls");

    /// <summary>Returns the certificate and key paths in <paramref name="directory"/>, creating or renewing them when needed.</summary>
    public static (string CertificatePath, string KeyPath) Ensure(string directory, DateTimeOffset now)
    {
        var certificatePath = Path.Combine(directory, CertificateFileName);
        var keyPath = Path.Combine(directory, KeyFileName);
        if (IsUsable(certificatePath, keyPath, now))
        {
            return (certificatePath, keyPath);
        }

        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=Gateway development", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.Add(Lifetime));

        // Key first and private to the user; each file written whole and renamed into place, so an
        // AppHost starting at the same moment reads the old pair or the new one, never half of one.
        WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteAtomically(certificatePath, certificate.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return (certificatePath, keyPath);
    }

    private static bool IsUsable(string certificatePath, string keyPath, DateTimeOffset now)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return false;
        }

        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            return certificate.NotAfter.ToUniversalTime() - now.UtcDateTime > RenewBefore;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static void WriteAtomically(string path, string text, UnixFileMode mode)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, mode);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

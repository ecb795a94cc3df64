using System.Net;
using System.Security.Cryptography.X509Certificates;
using Gateway.AppHost.Listeners;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.AppHost;

/// <summary>The run-mode certificate the AppHost creates: for the loopback names, private key private, reused until it nears expiry.</summary>
public sealed class DevelopmentCertificateTests : IDisposable
{
    private readonly string _directory = TestPaths.NewTempDirectory("gateway-devcert");

    [Fact]
    public void Ensure_CreatesACertificateForLocalhostAndLoopback_WithAPrivateKeyFile()
    {
        var now = DateTimeOffset.UtcNow;

        var (certificatePath, keyPath) = DevelopmentCertificate.Ensure(_directory, now);

        using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        Assert.True(certificate.HasPrivateKey);
        Assert.True(certificate.MatchesHostname("localhost"));
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], names.EnumerateIPAddresses());
        Assert.InRange(certificate.NotAfter.ToUniversalTime(), now.UtcDateTime.AddDays(364), now.UtcDateTime.AddDays(366));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        }
    }

    [Fact]
    public void Ensure_AgainBeforeExpiry_ReusesTheSameCertificate()
    {
        var now = DateTimeOffset.UtcNow;
        var (certificatePath, _) = DevelopmentCertificate.Ensure(_directory, now);
        var first = Thumbprint(certificatePath);

        DevelopmentCertificate.Ensure(_directory, now.AddDays(300));

        Assert.Equal(first, Thumbprint(certificatePath));
    }

    [Fact]
    public void Ensure_Within30DaysOfExpiry_RenewsIt()
    {
        var now = DateTimeOffset.UtcNow;
        var (certificatePath, keyPath) = DevelopmentCertificate.Ensure(_directory, now);
        var first = Thumbprint(certificatePath);

        DevelopmentCertificate.Ensure(_directory, now.AddDays(340));

        Assert.NotEqual(first, Thumbprint(certificatePath));
        using var renewed = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        Assert.True(renewed.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(700));
    }

    public void Dispose() => TestPaths.TryDelete(_directory);

    private static string Thumbprint(string path)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(path);
        return certificate.Thumbprint;
    }
}

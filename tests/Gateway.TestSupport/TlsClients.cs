using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gateway.TestSupport;

/// <summary>
/// HTTPS clients that trust exactly one certificate (the gateway's self-signed one), as a user
/// who passed it to <c>curl --cacert</c> would: validation stays on, with that certificate as the
/// only root, so a wrong certificate or host name still fails the handshake.
/// </summary>
public static class TlsClients
{
    /// <summary>A handler trusting <paramref name="trusted"/> only; <paramref name="served"/> receives the certificate the server presented.</summary>
    public static SocketsHttpHandler Handler(X509Certificate2 trusted, Action<X509Certificate2>? served = null) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                served?.Invoke(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                return IsTrusted(presented, trusted, errors);
            },
        },
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    };

    /// <summary>An HTTP/2-only client (no downgrade) trusting <paramref name="trusted"/>.</summary>
    public static HttpClient Http2(X509Certificate2 trusted, Uri baseAddress) => new(Handler(trusted))
    {
        BaseAddress = baseAddress,
        DefaultRequestVersion = System.Net.HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static bool IsTrusted(X509Certificate2 presented, X509Certificate2 trusted, SslPolicyErrors errors)
    {
        // The name must match; only the chain's root is ours to decide.
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(presented);
    }

    /// <summary>A self-signed server certificate for localhost, the loopback addresses and <paramref name="names"/>.</summary>
    public static X509Certificate2 SelfSigned(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        var alternativeNames = new SubjectAlternativeNameBuilder();
        alternativeNames.AddDnsName("localhost");
        foreach (var name in names)
        {
            alternativeNames.AddDnsName(name);
        }

        alternativeNames.AddIpAddress(System.Net.IPAddress.Loopback);
        alternativeNames.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.IntegrationTests.Proxy;

/// <summary>
/// The operator's certificate (<c>Gateway:Tls</c>) on the built proxy's HTTPS listener: served as
/// given (PEM with its key, encrypted PEM, PKCS#12 with a password), over HTTP/2 and HTTP/1.1; a
/// certificate that cannot be served stops start-up with one sentence naming the setting.
/// </summary>
public sealed class TlsListenerTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A host name that is not loopback (HSTS is never sent for those); the certificate names it too.</summary>
    private const string HostName = "gateway.example";

    private readonly string _directory = TestPaths.NewTempDirectory("gateway-tls-tests");
    private readonly X509Certificate2 _certificate = TlsClients.SelfSigned("operator.test", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), HostName);
    private readonly string _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    public TlsListenerTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public async Task PemCertificateAndKey_AreServed_OverHttp2AndHttp1()
    {
        var (certificatePath, keyPath) = WritePem(encrypted: false);

        await using var proxy = await StartServingAsync(new() { ["Gateway__Tls__CertificatePath"] = certificatePath, ["Gateway__Tls__KeyPath"] = keyPath });

        X509Certificate2? served = null;
        using var client = new HttpClient(TlsClients.Handler(_certificate, certificate => served = certificate));
        using var http2 = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, proxy.Https("/alive")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        using var http1 = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, proxy.Https("/alive")) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact });

        Assert.Equal(HttpStatusCode.OK, http2.StatusCode);
        Assert.Equal(HttpVersion.Version20, http2.Version);
        Assert.Equal(HttpStatusCode.OK, http1.StatusCode);
        Assert.Equal(HttpVersion.Version11, http1.Version);
        Assert.Equal(_certificate.Thumbprint, served?.Thumbprint);
    }

    [Fact]
    public async Task EncryptedPemKey_WithItsPassword_IsServed()
    {
        var (certificatePath, keyPath) = WritePem(encrypted: true);

        await using var proxy = await StartServingAsync(new()
        {
            ["Gateway__Tls__CertificatePath"] = certificatePath,
            ["Gateway__Tls__KeyPath"] = keyPath,
            ["Gateway__Tls__Password"] = _password,
        });

        Assert.Equal(_certificate.Thumbprint, await ServedThumbprintAsync(proxy));
    }

    [Fact]
    public async Task Pkcs12WithPassword_IsServed()
    {
        await using var proxy = await StartServingAsync(new()
        {
            ["Gateway__Tls__CertificatePath"] = WritePfx(),
            ["Gateway__Tls__Password"] = _password,
        });

        Assert.Equal(_certificate.Thumbprint, await ServedThumbprintAsync(proxy));
    }

    [Fact]
    public async Task MissingCertificateFile_StopsStartUp_NamingTheSetting()
    {
        var missing = Path.Combine(_directory, "no-such.pem");

        var (exitCode, output) = await RunToExitAsync(new() { ["Gateway__Tls__CertificatePath"] = missing, ["Gateway__Tls__KeyPath"] = missing + ".key" });

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Gateway:Tls:CertificatePath '{missing}' does not exist.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongPkcs12Password_StopsStartUp_SayingThePasswordMayBeWrong()
    {
        var (exitCode, output) = await RunToExitAsync(new()
        {
            ["Gateway__Tls__CertificatePath"] = WritePfx(),
            ["Gateway__Tls__Password"] = "not-" + _password,
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Gateway:Tls: cannot read the PKCS#12 file", output, StringComparison.Ordinal);
        Assert.Contains("Gateway:Tls:Password may be wrong", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificateWithoutItsKey_StopsStartUp()
    {
        var certificatePath = Path.Combine(_directory, "only-certificate.pem");
        await File.WriteAllTextAsync(certificatePath, _certificate.ExportCertificatePem());

        var (exitCode, output) = await RunToExitAsync(new() { ["Gateway__Tls__CertificatePath"] = certificatePath });

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Gateway:Tls: cannot read '{certificatePath}' with key ''", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredCertificate_StopsStartUp_WithItsExpiryDate()
    {
        using var expired = TlsClients.SelfSigned("expired.test", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-2));
        var (certificatePath, keyPath) = WritePem(expired, encrypted: false);

        var (exitCode, output) = await RunToExitAsync(new() { ["Gateway__Tls__CertificatePath"] = certificatePath, ["Gateway__Tls__KeyPath"] = keyPath });

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Gateway:Tls:CertificatePath '{certificatePath}' expired on {expired.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.", output, StringComparison.Ordinal);
    }

    /// <summary>With the redirect on, plain HTTP gets 307 to the HTTPS URL (a POST stays a POST); health stays plain.</summary>
    [Fact]
    public async Task RedirectHttp_SendsPlainRequestsToHttps_ButNotHealthProbes()
    {
        var (certificatePath, keyPath) = WritePem(encrypted: false);
        await using var proxy = await StartServingAsync(new()
        {
            ["Gateway__Tls__CertificatePath"] = certificatePath,
            ["Gateway__Tls__KeyPath"] = keyPath,
            ["Gateway__Tls__RedirectHttp"] = "true",
        });

        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var redirected = await client.PostAsync(proxy.Http("/public/hello?x=1"), new StringContent("{}"));
        using var health = await client.GetAsync(proxy.Http("/alive"));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.StatusCode);
        Assert.Equal(proxy.Https("/public/hello?x=1"), redirected.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>HSTS is sent over HTTPS only, and never for a loopback name (a browser would pin every local service).</summary>
    [Fact]
    public async Task HstsMaxAge_IsSentOverHttpsForRealHostNames_Only()
    {
        var (certificatePath, keyPath) = WritePem(encrypted: false);
        await using var proxy = await StartServingAsync(new()
        {
            ["Gateway__Tls__CertificatePath"] = certificatePath,
            ["Gateway__Tls__KeyPath"] = keyPath,
            ["Gateway__Tls__HstsMaxAge"] = "180.00:00:00",
            ["AllowedHosts"] = "*",
        });

        using var client = new HttpClient(TlsClients.Handler(_certificate));
        using var named = new HttpRequestMessage(HttpMethod.Get, proxy.Https("/alive"));
        named.Headers.Host = HostName;
        using var overHttps = await client.SendAsync(named);
        using var loopback = await client.GetAsync(proxy.Https("/alive"));
        using var plainRequest = new HttpRequestMessage(HttpMethod.Get, proxy.Http("/alive"));
        plainRequest.Headers.Host = HostName;
        using var plain = await client.SendAsync(plainRequest);

        Assert.Equal("max-age=15552000", Assert.Single(overHttps.Headers.GetValues("Strict-Transport-Security")));
        Assert.False(loopback.Headers.Contains("Strict-Transport-Security"));
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
    }

    public void Dispose()
    {
        _certificate.Dispose();
        TestPaths.TryDelete(_directory);
    }

    private async Task<string?> ServedThumbprintAsync(RunningListeners proxy)
    {
        X509Certificate2? served = null;
        using var client = new HttpClient(TlsClients.Handler(_certificate, certificate => served = certificate));
        using var response = await client.GetAsync(proxy.Https("/alive"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return served?.Thumbprint;
    }

    private (string CertificatePath, string KeyPath) WritePem(bool encrypted) => WritePem(_certificate, encrypted);

    private (string CertificatePath, string KeyPath) WritePem(X509Certificate2 certificate, bool encrypted)
    {
        var name = Guid.NewGuid().ToString("N");
        var certificatePath = Path.Combine(_directory, name + ".crt");
        var keyPath = Path.Combine(_directory, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, encrypted
            ? key.ExportEncryptedPkcs8PrivateKeyPem(_password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000))
            : key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    private string WritePfx()
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".pfx");
        File.WriteAllBytes(path, _certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, _password));
        return path;
    }

    /// <summary>Listeners: <c>http</c> (HTTP/1.1) and <c>https</c> (HTTP/1.1 and HTTP/2), as the AppHost declares them.</summary>
    private static Dictionary<string, string> Listeners(Dictionary<string, string> settings, int httpPort, int httpsPort) => new(settings)
    {
        ["Kestrel__Endpoints__http__Url"] = $"http://127.0.0.1:{httpPort}",
        ["Kestrel__Endpoints__http__Protocols"] = "Http1",
        ["Kestrel__Endpoints__https__Url"] = $"https://127.0.0.1:{httpsPort}",
        ["Kestrel__Endpoints__https__Protocols"] = "Http1AndHttp2",
        ["ASPNETCORE_HTTPS_PORT"] = httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static Task<(int ExitCode, string Output)> RunToExitAsync(Dictionary<string, string> settings) =>
        ProcessRunner.RunAsync("dotnet", ["Gateway.Proxy.dll"], ProxyProcess.Directory, StartTimeout,
            ProxyProcess.BaseSettings(Listeners(settings, FreePorts.Loopback(), FreePorts.Loopback())));

    /// <summary>Starts the proxy and waits (polling, with a deadline) until its HTTPS listener answers.</summary>
    private async Task<RunningListeners> StartServingAsync(Dictionary<string, string> settings)
    {
        var (httpPort, httpsPort) = (FreePorts.Loopback(), FreePorts.Loopback());
        var proxy = new RunningListeners(ProxyProcess.Start(Listeners(settings, httpPort, httpsPort)), httpPort, httpsPort);
        using var client = new HttpClient(TlsClients.Handler(_certificate)) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Poll.UntilAsync<object>(async cancellationToken =>
            {
                if (proxy.Process.HasExited)
                {
                    throw new InvalidOperationException("The proxy exited:\n" + proxy.Process.Output);
                }

                try
                {
                    using var response = await client.GetAsync(proxy.Https("/alive"), cancellationToken);
                    return response.IsSuccessStatusCode ? response : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            }, StartTimeout, "the proxy's HTTPS listener");
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }

        return proxy;
    }

    private sealed record RunningListeners(ProxyProcess Process, int HttpPort, int HttpsPort) : IAsyncDisposable
    {
        public Uri Http(string pathAndQuery) => new($"http://127.0.0.1:{HttpPort}{pathAndQuery}");

        public Uri Https(string pathAndQuery) => new($"https://127.0.0.1:{HttpsPort}{pathAndQuery}");

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }
}

namespace Gateway.AppHost.Listeners;

/// <summary>
/// The certificate the client-facing services (proxy, dashboard) serve HTTPS with, as their
/// <c>Gateway:Tls</c> settings (see Gateway.ServiceDefaults' <c>TlsOptions</c>).
/// </summary>
/// <param name="CertificatePath">PEM certificate or PKCS#12 file, as the service sees it.</param>
/// <param name="KeyPath">The PEM key, when the certificate is PEM.</param>
/// <param name="Password">The parameter <c>tls-certificate-password</c>, for an operator's certificate.</param>
internal sealed record ServerCertificate(string CertificatePath, string? KeyPath, IResourceBuilder<ParameterResource>? Password)
{
    public const string PasswordParameter = "tls-certificate-password";

    /// <summary>
    /// The operator's certificate when <c>Gateway:Tls:CertificatePath</c> is set (with
    /// <c>Gateway:Tls:KeyPath</c> for PEM; password: the secret parameter
    /// <c>tls-certificate-password</c>, empty unless set), in run and publish mode alike (in publish
    /// mode the paths are as the deployed container sees them, e.g. a mounted secret). Otherwise,
    /// in run mode, the AppHost's development certificate (<see cref="DevelopmentCertificate"/>,
    /// in <c>Gateway:Tls:DevelopmentCertificateDirectory</c>); in publish mode none: TLS is the
    /// platform ingress' (Azure Container Apps, a Kubernetes ingress), which forwards plain HTTP.
    /// </summary>
    public static ServerCertificate? Add(IDistributedApplicationBuilder builder)
    {
        var tls = builder.Configuration.GetSection("Gateway:Tls");
        if (tls["CertificatePath"] is { Length: > 0 } certificatePath)
        {
            var password = builder.AddParameter(PasswordParameter, new EmptyParameterDefault(), secret: true);
            // Run mode: relative to the AppHost's directory. Published: as the container sees them.
            string Resolve(string path) => builder.ExecutionContext.IsRunMode ? Path.GetFullPath(path) : path;
            return new ServerCertificate(Resolve(certificatePath), tls["KeyPath"] is { Length: > 0 } keyPath ? Resolve(keyPath) : null, password);
        }

        if (!builder.ExecutionContext.IsRunMode)
        {
            return null;
        }

        var directory = tls["DevelopmentCertificateDirectory"] is { Length: > 0 } configured ? configured : DevelopmentCertificate.DefaultDirectory();
        var (developmentCertificate, developmentKey) = DevelopmentCertificate.Ensure(directory, DateTimeOffset.UtcNow);
        return new ServerCertificate(developmentCertificate, developmentKey, Password: null);
    }

    /// <summary>An unencrypted PEM key needs no password: the parameter defaults to empty.</summary>
    private sealed class EmptyParameterDefault : ParameterDefault
    {
        public override string GetDefaultValue() => string.Empty;

        // Published, the deployer supplies it (or leaves it empty): no default goes into the manifest.
        public override void WriteToManifest(Aspire.Hosting.Publishing.ManifestPublishingContext context)
        {
        }
    }
}

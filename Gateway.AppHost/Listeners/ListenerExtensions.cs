using Microsoft.Extensions.Configuration;

namespace Gateway.AppHost.Listeners;

/// <summary>
/// The client-facing listeners of the proxy and the dashboard, as Kestrel endpoints (the
/// <c>Kestrel__Endpoints__{name}__Url</c> overrides Aspire itself writes for endpoints a project
/// declares in its own configuration, resolved per replica): each listener says its protocols,
/// which <c>ASPNETCORE_URLS</c> cannot.
/// </summary>
internal static class ListenerExtensions
{
    public const string HttpsEndpoint = "https";
    public const string H2cEndpoint = "h2c";

    /// <summary>
    /// <list type="bullet">
    /// <item><c>http</c>: HTTP/1.1 (cleartext HTTP/2 needs prior knowledge, which browsers and most
    /// clients never use; see <c>h2c</c>), on the fixed port <paramref name="httpPortKey"/> in run mode.</item>
    /// <item><c>https</c> when there is a <paramref name="certificate"/>: HTTP/1.1 and HTTP/2,
    /// chosen by ALPN, on the fixed port <paramref name="httpsPortKey"/> in run mode.</item>
    /// <item><c>h2c</c> when <paramref name="h2cPortKey"/> is set to a port: HTTP/2 only, with prior
    /// knowledge, for a mesh or an ingress that speaks h2c to its backends (gRPC without TLS).</item>
    /// </list>
    /// Tests get random ports from the testing builder instead of the fixed ones. Health checks must
    /// name the <c>http</c> endpoint: Aspire's own prefers <c>https</c>, and the AppHost does not
    /// trust the development certificate it creates.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGatewayListeners(
        this IResourceBuilder<ProjectResource> project,
        ServerCertificate? certificate,
        string httpPortKey,
        string httpsPortKey,
        string? h2cPortKey = null)
    {
        var builder = project.ApplicationBuilder;
        var configuration = builder.Configuration;
        var runMode = builder.ExecutionContext.IsRunMode;
        if (runMode && configuration.GetValue<int?>(httpPortKey) is int httpPort and > 0)
        {
            project.WithEndpoint("http", endpoint => endpoint.Port = httpPort);
        }

        project.WithKestrelListener("http", "Http1");

        if (certificate is not null)
        {
            var httpsPort = configuration.GetValue<int?>(httpsPortKey) is int configured and > 0 ? configured : (int?)null;
            project.WithHttpsEndpoint(name: HttpsEndpoint, port: runMode ? httpsPort : null)
                .WithKestrelListener(HttpsEndpoint, "Http1AndHttp2")
                .WithEnvironment("Gateway__Tls__CertificatePath", certificate.CertificatePath);
            if (certificate.KeyPath is not null)
            {
                project.WithEnvironment("Gateway__Tls__KeyPath", certificate.KeyPath);
            }

            if (certificate.Password is not null)
            {
                project.WithEnvironment("Gateway__Tls__Password", certificate.Password);
            }
        }

        if (h2cPortKey is not null && configuration.GetValue<int?>(h2cPortKey) is int h2cPort and > 0)
        {
            project.WithHttpEndpoint(name: H2cEndpoint, port: runMode ? h2cPort : null, targetPort: runMode ? null : h2cPort)
                .WithKestrelListener(H2cEndpoint, "Http2");
        }

        return project;
    }

    /// <summary>Kestrel listens for endpoint <paramref name="name"/> on its target port, speaking <paramref name="protocols"/>.</summary>
    public static IResourceBuilder<ProjectResource> WithKestrelListener(
        this IResourceBuilder<ProjectResource> project, string name, string protocols)
    {
        // Loopback when run locally, like Aspire's own ASPNETCORE_URLS; every interface in a container.
        var host = project.ApplicationBuilder.ExecutionContext.IsPublishMode ? "*" : "localhost";
        var endpoint = project.GetEndpoint(name);
        var scheme = name == HttpsEndpoint ? "https" : "http";
        return project
            .WithEnvironment($"Kestrel__Endpoints__{name}__Url", ReferenceExpression.Create($"{scheme}://{host}:{endpoint.Property(EndpointProperty.TargetPort)}"))
            .WithEnvironment($"Kestrel__Endpoints__{name}__Protocols", protocols);
    }
}

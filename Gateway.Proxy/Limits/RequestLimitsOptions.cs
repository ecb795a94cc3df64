using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.Limits;

/// <summary>
/// Settings of the <c>Gateway:RequestLimits</c> section. Server-wide limits (header total size,
/// header count, request line, the default body size of proxied routes) are Kestrel's own, under
/// <c>Kestrel:Limits</c> in appsettings.json; a YARP route may override its body size with
/// <c>MaxRequestBodySize</c>.
/// </summary>
internal sealed class RequestLimitsOptions
{
    public const string SectionName = "Gateway:RequestLimits";

    /// <summary>
    /// Largest body of the <c>/auth</c> JSON endpoints. Their bodies are a user name, a password
    /// or a key name (a few hundred bytes at most), so anything larger is refused before it is read.
    /// </summary>
    [Range(256, 1024 * 1024)]
    public long AccountsMaxBodyBytes { get; set; } = 16 * 1024;
}

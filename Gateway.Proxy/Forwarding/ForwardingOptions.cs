using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// The proxy's settings of the <c>Gateway:Forwarding</c> section (the client-address ones are
/// <c>ClientAddressOptions</c>, in ServiceDefaults): client-sent headers that never reach a backend.
/// </summary>
internal sealed class ForwardingOptions : IValidatableObject
{
    public const string SectionName = "Gateway:Forwarding";

    /// <summary>
    /// Dropped from every proxied request, in any case and with '_' for '-': client-address claims
    /// that some backend or framework believes (<c>True-Client-IP</c>, <c>CF-Connecting-IP</c>...;
    /// the gateway sends the address it resolved in <c>X-Forwarded-For</c>), URL rewrite headers that
    /// IIS/Symfony/Zend-style backends route by instead of the request line (a path the gateway's
    /// route did not authorise), and method overrides that turn the GET a route allows into a
    /// DELETE at the backend. <c>X-Forwarded-*</c>, <c>Forwarded</c> and <c>X-Real-IP</c> are always
    /// replaced by what the gateway resolved.
    /// </summary>
    public static readonly string[] DefaultStripHeaders =
    [
        "True-Client-IP", "CF-Connecting-IP", "X-Client-IP", "X-Cluster-Client-IP", "Fastly-Client-IP",
        "X-Original-URL", "X-Rewrite-URL", "X-Original-Host", "X-Host",
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
    ];

    /// <summary>More client-sent headers to drop, in addition to <see cref="DefaultStripHeaders"/>.</summary>
    public string[] StripHeaders { get; set; } = [];

    /// <summary>
    /// Names of <see cref="DefaultStripHeaders"/> to forward after all (e.g. a backend that needs the
    /// method override of an old client): an explicit opt-out, so that the safe list is the default.
    /// </summary>
    public string[] ForwardHeaders { get; set; } = [];

    /// <summary>The effective list: the defaults, minus <see cref="ForwardHeaders"/>, plus <see cref="StripHeaders"/>.</summary>
    public IReadOnlySet<string> EffectiveStripHeaders()
    {
        var names = new HashSet<string>(DefaultStripHeaders, HeaderNameComparer.Instance);
        names.ExceptWith(ForwardHeaders);
        names.UnionWith(StripHeaders);
        return names;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var name in StripHeaders.Concat(ForwardHeaders))
        {
            if (string.IsNullOrEmpty(name) || !name.All(IsTokenChar))
            {
                yield return new ValidationResult($"'{name}' is not a header name.", [nameof(StripHeaders)]);
            }
        }
    }

    /// <summary>RFC 9110 token characters.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}

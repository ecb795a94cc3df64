namespace Gateway.Proxy.Routing;

/// <summary>
/// What the proxy does with a request path holding an escaped slash or backslash (<c>%2F</c>,
/// <c>%5C</c>, their double-escaped <c>%252F</c>/<c>%255C</c>) or a raw <c>\</c>; named after
/// Envoy's <c>path_with_escaped_slashes_action</c>.
/// </summary>
internal enum EscapedSlashAction
{
    /// <summary>400 problem details; nothing is forwarded.</summary>
    Reject,

    /// <summary>Forward as it is (backends then decide what the path means, and the overlap check's path spaces assume they do not split on them).</summary>
    Keep,

    /// <summary>A 307 redirect to the path with each of them turned into <c>/</c>, which the client may then follow (and the gateway routes like any path).</summary>
    UnescapeAndRedirect,
}

namespace Gateway.Contracts.Credentials;

/// <summary>The <c>Authorization: Bearer &lt;token&gt;</c> header (RFC 6750 §2.1), read the one way every caller reads it.</summary>
public static class BearerHeader
{
    private const string Scheme = "Bearer ";

    /// <summary>
    /// The token of a <c>Bearer</c> header value: scheme case-insensitive, surrounding white space
    /// trimmed, never empty. The span points into <paramref name="value"/>: no allocation.
    /// </summary>
    public static bool TryParse(string? value, out ReadOnlySpan<char> token)
    {
        token = default;
        if (value is null || value.Length <= Scheme.Length || !value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        token = value.AsSpan(Scheme.Length).Trim();
        return !token.IsEmpty;
    }
}

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// Header names compared ignoring case and with '_' and '-' the same character: CGI-style backends
/// (PHP, WSGI, Rack) read <c>X_Original_URL</c> and <c>X-Original-URL</c> as one variable.
/// </summary>
internal sealed class HeaderNameComparer : IEqualityComparer<string>
{
    public static readonly HeaderNameComparer Instance = new();

    public bool Equals(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null && y is null;
        }

        if (x.Length != y.Length)
        {
            return false;
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (Fold(x[i]) != Fold(y[i]))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(string obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = new HashCode();
        foreach (var c in obj)
        {
            hash.Add(Fold(c));
        }

        return hash.ToHashCode();
    }

    private static char Fold(char c) => c == '_' ? '-' : char.ToLowerInvariant(c);
}

namespace Gateway.Proxy.Routing;

/// <summary>
/// One segment of a <see cref="PathShape"/>: a literal, or any single non-empty segment (a route
/// parameter, a complex segment, anything the analysis cannot pin down).
/// </summary>
internal readonly record struct PathSegment(string? Literal)
{
    public static PathSegment Any => default;

    public bool IsAny => Literal is null;

    /// <summary>
    /// Whether some concrete segment matches both. Literals compare ignoring case: ASP.NET routing
    /// (the gateway's and many backends') matches them so, and a request's case reaches the
    /// backend unchanged when a route has no path transform.
    /// </summary>
    public bool Overlaps(PathSegment other) =>
        IsAny || other.IsAny || string.Equals(Literal, other.Literal, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Literal ?? "{any}";
}

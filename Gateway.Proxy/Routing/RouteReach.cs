using Microsoft.AspNetCore.Routing.Patterns;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Routing;

/// <summary>
/// What one YARP route can send to its cluster's destinations: the backend paths (a union of
/// <see cref="PathShape"/>s, relative to each destination's own path) and the methods. Computed from
/// <c>Match.Path</c> and the route's path transforms (<c>PathPattern</c>, <c>PathPrefix</c>,
/// <c>PathRemovePrefix</c>, <c>PathSet</c>, in order); a transform this analysis does not know may
/// rewrite the path to anything, so it makes the route reach every path. Over-approximates: a
/// path the route cannot really reach may be included, one it can reach never is left out.
/// </summary>
internal sealed class RouteReach
{
    /// <summary>Transforms of YARP's that change neither the path nor the method.</summary>
    private static readonly HashSet<string> PathNeutralTransforms = new(StringComparer.OrdinalIgnoreCase)
    {
        "RequestHeadersCopy", "RequestHeaderOriginalHost", "RequestHeader", "RequestHeaderRouteValue",
        "RequestHeaderRemove", "RequestHeadersAllowed", "ResponseHeadersCopy", "ResponseHeader",
        "ResponseHeaderRemove", "ResponseHeadersAllowed", "ResponseTrailersCopy", "ResponseTrailer",
        "ResponseTrailerRemove", "ResponseTrailersAllowed", "X-Forwarded", "Forwarded", "ClientCert",
        "QueryValueParameter", "QueryRouteParameter", "QueryRemoveParameter",
    };

    private RouteReach(RouteConfig route, IReadOnlyList<PathShape> paths, IReadOnlySet<string>? methods)
    {
        Route = route;
        Paths = paths;
        Methods = methods;
    }

    public RouteConfig Route { get; }

    public IReadOnlyList<PathShape> Paths { get; }

    /// <summary>Methods the backend can see from this route; null means any.</summary>
    public IReadOnlySet<string>? Methods { get; }

    public static RouteReach Of(RouteConfig route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var (paths, values) = MatchShapes(route.Match.Path);
        IReadOnlySet<string>? methods = route.Match.Methods is { Count: > 0 } listed
            ? new HashSet<string>(listed, StringComparer.OrdinalIgnoreCase)
            : null;

        foreach (var transform in route.Transforms ?? [])
        {
            if (transform.TryGetValue("PathPattern", out var pattern))
            {
                paths = BindPattern(pattern, values);
            }
            else if (transform.TryGetValue("PathPrefix", out var prefix))
            {
                paths = [.. paths.Select(p => p.Prepend(PathShape.LiteralSegments(prefix)))];
            }
            else if (transform.TryGetValue("PathRemovePrefix", out var removed))
            {
                paths = [.. paths.SelectMany(p => p.RemovePrefix(PathShape.LiteralSegments(removed)))];
            }
            else if (transform.TryGetValue("PathSet", out var set))
            {
                paths = [PathShape.Literal(set)];
            }
            else if (transform.ContainsKey("HttpMethodChange"))
            {
                methods = null;
            }
            else if (!transform.Keys.Any(PathNeutralTransforms.Contains))
            {
                // Unknown (a custom ITransformFactory's key, a typo YARP would refuse anyway): it
                // may rewrite the path to anything.
                paths = [PathShape.Everything];
            }
        }

        return new RouteReach(route, paths, methods);
    }

    /// <summary>Whether both can send some request with the same method.</summary>
    public bool SharesMethodWith(RouteReach other) =>
        Methods is null || other.Methods is null || Methods.Overlaps(other.Methods);

    /// <summary>
    /// The gateway-side shapes of <c>Match.Path</c> (which reach the backend as they are when no
    /// transform changes them) and what each route value can hold.
    /// </summary>
    private static (IReadOnlyList<PathShape> Paths, Dictionary<string, ValueKind> Values) MatchShapes(string? path)
    {
        var values = new Dictionary<string, ValueKind>(StringComparer.OrdinalIgnoreCase);
        if (path is null)
        {
            return ([PathShape.Everything], values); // No path: the route matches any path.
        }

        if (TryParse(path) is not { } pattern)
        {
            return ([PathShape.Everything], values); // YARP refuses the route with its own message.
        }

        var shapes = new List<List<PathSegment>> { new() };
        var openTail = false;
        foreach (var segment in pattern.PathSegments)
        {
            if (segment.IsSimple && segment.Parts[0] is RoutePatternLiteralPart literal)
            {
                shapes.ForEach(s => s.Add(new PathSegment(literal.Content)));
                continue;
            }

            foreach (var parameter in segment.Parts.OfType<RoutePatternParameterPart>())
            {
                values[parameter.Name] = parameter.IsCatchAll ? ValueKind.Segments
                    : parameter.IsOptional || parameter.Default is not null ? ValueKind.OptionalSegment
                    : ValueKind.Segment;
            }

            if (segment.IsSimple && segment.Parts[0] is RoutePatternParameterPart { IsCatchAll: true })
            {
                openTail = true;
                break;
            }

            if (segment.IsSimple && segment.Parts[0] is RoutePatternParameterPart { IsOptional: true } or RoutePatternParameterPart { Default: not null })
            {
                // Present or absent: both shapes.
                shapes = [.. shapes.SelectMany(s => new[] { new List<PathSegment>(s), new List<PathSegment>(s) { PathSegment.Any } })];
                continue;
            }

            // A parameter, or a complex segment ("{name}.{ext}", "v{version}"): one segment of any text.
            shapes.ForEach(s => s.Add(PathSegment.Any));
        }

        return ([.. shapes.Select(s => new PathShape(s, openTail))], values);
    }

    /// <summary>
    /// <c>PathPattern</c>: the pattern's literals, each parameter replaced by what its route value
    /// can hold. A parameter the route does not capture may be empty or anything (YARP binds it from
    /// the route values, which a custom matcher or filter could have set).
    /// </summary>
    private static IReadOnlyList<PathShape> BindPattern(string pattern, Dictionary<string, ValueKind> values)
    {
        if (TryParse(pattern) is not { } parsed)
        {
            return [PathShape.Everything]; // YARP refuses the transform with its own message.
        }

        var shapes = new List<List<PathSegment>> { new() };
        foreach (var segment in parsed.PathSegments)
        {
            if (segment.IsSimple && segment.Parts[0] is RoutePatternLiteralPart literal)
            {
                shapes.ForEach(s => s.Add(new PathSegment(literal.Content)));
                continue;
            }

            var kinds = segment.Parts.OfType<RoutePatternParameterPart>()
                .Select(p => values.TryGetValue(p.Name, out var kind) ? kind : ValueKind.Unknown)
                .ToList();
            if (kinds.Any(k => k is ValueKind.Segments or ValueKind.Unknown))
            {
                // Any number of segments from here on: a catch-all value ("a/b/c"), and with it
                // whatever the pattern says after it.
                return [.. shapes.Select(s => new PathShape(s, openTail: true))];
            }

            if (segment.IsSimple && kinds[0] is ValueKind.OptionalSegment)
            {
                shapes = [.. shapes.SelectMany(s => new[] { new List<PathSegment>(s), new List<PathSegment>(s) { PathSegment.Any } })];
                continue;
            }

            shapes.ForEach(s => s.Add(PathSegment.Any));
        }

        return [.. shapes.Select(s => new PathShape(s, openTail: false))];
    }

    private static RoutePattern? TryParse(string pattern)
    {
        try
        {
            return RoutePatternFactory.Parse(pattern);
        }
        catch (RoutePatternException)
        {
            return null;
        }
    }

    private enum ValueKind
    {
        /// <summary>One segment.</summary>
        Segment,

        /// <summary>One segment or nothing.</summary>
        OptionalSegment,

        /// <summary>Zero or more segments (a catch-all).</summary>
        Segments,

        /// <summary>Not captured by <c>Match.Path</c>.</summary>
        Unknown,
    }
}

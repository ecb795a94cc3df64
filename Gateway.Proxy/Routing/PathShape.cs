namespace Gateway.Proxy.Routing;

/// <summary>
/// A set of backend paths: fixed segments, optionally followed by any number (zero or more) of
/// further segments (<see cref="OpenTail"/>, what a catch-all parameter or an unknown transform
/// can produce). Empty segments are ignored (<c>/a//b/</c> is <c>/a/b</c>), as backends that merge
/// slashes see it. A union of shapes describes what one route can reach.
/// </summary>
internal sealed class PathShape(IReadOnlyList<PathSegment> segments, bool openTail)
{
    /// <summary>Every path.</summary>
    public static readonly PathShape Everything = new([], openTail: true);

    public IReadOnlyList<PathSegment> Segments { get; } = segments;

    public bool OpenTail { get; } = openTail;

    /// <summary>The shape of exactly one literal path.</summary>
    public static PathShape Literal(string path) => new(LiteralSegments(path), openTail: false);

    public static PathSegment[] LiteralSegments(string? path) =>
        [.. (path ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => new PathSegment(s))];

    /// <summary>Whether some path belongs to both shapes.</summary>
    public bool Overlaps(PathShape other) => Intersection(other) is not null;

    /// <summary>A path in both shapes (for messages; <c>{any}</c> stands for any segment), or null when they are disjoint.</summary>
    public string? Intersection(PathShape other)
    {
        var example = new List<string>();
        for (var i = 0; ; i++)
        {
            var mineEnded = i >= Segments.Count;
            var theirsEnded = i >= other.Segments.Count;
            if (mineEnded && theirsEnded)
            {
                return Format(example, OpenTail && other.OpenTail);
            }

            // One shape's fixed segments are used up: only its open tail can match the other's rest.
            if (mineEnded || theirsEnded)
            {
                var (ended, longer) = mineEnded ? (this, other) : (other, this);
                if (!ended.OpenTail)
                {
                    return null;
                }

                example.AddRange(longer.Segments.Skip(i).Select(s => s.ToString()));
                return Format(example, longer.OpenTail);
            }

            var mine = Segments[i];
            var theirs = other.Segments[i];
            if (!mine.Overlaps(theirs))
            {
                return null;
            }

            example.Add((mine.IsAny ? theirs : mine).ToString());
        }
    }

    /// <summary>Whether a concrete path (already decoded, as the backend routes it) is in this shape.</summary>
    public bool Contains(string path)
    {
        var concrete = LiteralSegments(path);
        if (concrete.Length < Segments.Count || (concrete.Length > Segments.Count && !OpenTail))
        {
            return false;
        }

        for (var i = 0; i < Segments.Count; i++)
        {
            if (!Segments[i].Overlaps(concrete[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>YARP's <c>PathPrefix</c> (and a destination address's own path).</summary>
    public PathShape Prepend(IReadOnlyList<PathSegment> prefix) =>
        prefix.Count == 0 ? this : new PathShape([.. prefix, .. Segments], OpenTail);

    /// <summary>
    /// YARP's <c>PathRemovePrefix</c>: the prefix goes when the path starts with its segments
    /// (ignoring case, as <c>PathString.StartsWithSegments</c> compares). Where the shape cannot
    /// tell (a parameter or the open tail where the prefix would be), both outcomes are possible.
    /// </summary>
    public IEnumerable<PathShape> RemovePrefix(IReadOnlyList<PathSegment> prefix)
    {
        var certain = true;
        for (var i = 0; i < prefix.Count; i++)
        {
            if (i >= Segments.Count)
            {
                if (!OpenTail)
                {
                    return [this]; // Shorter than the prefix: never removed.
                }

                // The prefix ends inside the open tail: what remains can be anything.
                return [this, Everything];
            }

            if (Segments[i].IsAny)
            {
                certain = false;
            }
            else if (!Segments[i].Overlaps(prefix[i]))
            {
                return [this];
            }
        }

        var remainder = new PathShape([.. Segments.Skip(prefix.Count)], OpenTail);
        return certain ? [remainder] : [this, remainder];
    }

    public override string ToString() => Format(Segments.Select(s => s.ToString()), OpenTail);

    private static string Format(IEnumerable<string> segments, bool openTail)
    {
        var path = "/" + string.Join('/', segments);
        return openTail ? (path.Length == 1 ? "/**" : path + "/**") : path;
    }
}

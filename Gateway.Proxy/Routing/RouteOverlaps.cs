using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.Routing;

/// <summary>
/// Finds pairs of routes that guard the same backend paths differently (see <see cref="RouteOverlap"/>).
/// "Same backend": the same cluster, or clusters with a destination on the same server
/// (<see cref="BackendAddress.SameServerAs"/>), where each destination's own path is put in front.
/// Routes with the same authorization policy may overlap (that is how an API is split over several
/// routes). Rate-limit policies are not compared: reaching a path through another route's quota
/// is a question of cost, not of access, and routes that share a backend with different quotas
/// (per-tenant or per-plan routes) are a legitimate design.
/// </summary>
internal static class RouteOverlaps
{
    public static IReadOnlyList<RouteOverlap> Find(IReadOnlyList<RouteConfig> routes, IReadOnlyList<ClusterConfig> clusters)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(clusters);

        var destinations = clusters
            .GroupBy(c => c.ClusterId, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyList<BackendAddress>)[.. g.SelectMany(c => c.Destinations?.Values ?? []).Select(d => BackendAddress.Parse(d.Address)).OfType<BackendAddress>()],
                StringComparer.OrdinalIgnoreCase);

        var reaches = routes.Select(RouteReach.Of).ToList();
        var overlaps = new List<RouteOverlap>();
        for (var i = 0; i < reaches.Count; i++)
        {
            for (var j = i + 1; j < reaches.Count; j++)
            {
                var (first, second) = (reaches[i], reaches[j]);
                if (SamePolicy(first.Route.AuthorizationPolicy, second.Route.AuthorizationPolicy) || !first.SharesMethodWith(second))
                {
                    continue;
                }

                if (FindShared(first, second, destinations) is { } shared)
                {
                    overlaps.Add(new RouteOverlap(
                        first.Route.RouteId, first.Route.AuthorizationPolicy, second.Route.RouteId, second.Route.AuthorizationPolicy, shared.Backend, shared.Path));
                }
            }
        }

        return overlaps;
    }

    /// <summary>Policy names as ASP.NET looks them up (ignoring case); no policy is a policy of its own.</summary>
    private static bool SamePolicy(string? first, string? second) =>
        string.Equals(first, second, StringComparison.OrdinalIgnoreCase);

    private static (string Backend, string Path)? FindShared(RouteReach first, RouteReach second, Dictionary<string, IReadOnlyList<BackendAddress>> destinations)
    {
        var firstDestinations = DestinationsOf(first, destinations);
        var secondDestinations = DestinationsOf(second, destinations);

        // One cluster: the same destinations, so the same base paths; also when it has none yet
        // (a destination resolver fills them in later).
        if (string.Equals(first.Route.ClusterId, second.Route.ClusterId, StringComparison.OrdinalIgnoreCase)
            && Intersect(first.Paths, [], second.Paths, []) is { } path)
        {
            return ($"cluster '{first.Route.ClusterId}'", firstDestinations.Count > 0 ? Prefix(firstDestinations[0].BasePath) + path : path);
        }

        foreach (var mine in firstDestinations)
        {
            foreach (var theirs in secondDestinations.Where(mine.SameServerAs))
            {
                if (Intersect(first.Paths, mine.BasePath, second.Paths, theirs.BasePath) is { } shared)
                {
                    return ($"{mine} (clusters '{first.Route.ClusterId}' and '{second.Route.ClusterId}')", shared);
                }
            }
        }

        return null;
    }

    private static IReadOnlyList<BackendAddress> DestinationsOf(RouteReach route, Dictionary<string, IReadOnlyList<BackendAddress>> destinations) =>
        route.Route.ClusterId is { } id && destinations.TryGetValue(id, out var found) ? found : [];

    private static string? Intersect(IReadOnlyList<PathShape> first, IReadOnlyList<PathSegment> firstBase, IReadOnlyList<PathShape> second, IReadOnlyList<PathSegment> secondBase)
    {
        foreach (var mine in first)
        {
            foreach (var theirs in second)
            {
                if (mine.Prepend(firstBase).Intersection(theirs.Prepend(secondBase)) is { } path)
                {
                    return path;
                }
            }
        }

        return null;
    }

    private static string Prefix(IReadOnlyList<PathSegment> basePath) =>
        basePath.Count == 0 ? string.Empty : "/" + string.Join('/', basePath);
}

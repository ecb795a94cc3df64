using System.Globalization;

namespace Gateway.EndToEndTests.Cluster;

/// <summary>
/// One line of <c>CLUSTER NODES</c>: <c>id ip:port@bus flags primary-id ping pong epoch link slots...</c>.
/// </summary>
public sealed record ClusterNodeEntry(string Id, int Port, bool IsPrimary, bool Failed, string? PrimaryId, IReadOnlyList<(int First, int Last)> Slots)
{
    public static ClusterNodeEntry Parse(string line)
    {
        var fields = line.Split(' ');
        var address = fields[1];
        var colon = address.LastIndexOf(':');
        var port = int.Parse(address[(colon + 1)..address.IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        var flags = fields[2].Split(',');
        // Slots being migrated show as "[slot->-id]" or "[slot-<-id]"; none are moved here.
        var slots = fields.Skip(8)
            .Where(field => !field.StartsWith('['))
            .Select(field => field.Split('-') is [var first, var last]
                ? (int.Parse(first, CultureInfo.InvariantCulture), int.Parse(last, CultureInfo.InvariantCulture))
                : (int.Parse(field, CultureInfo.InvariantCulture), int.Parse(field, CultureInfo.InvariantCulture)))
            .ToArray();
        return new ClusterNodeEntry(
            fields[0],
            port,
            flags.Contains("master"),
            flags.Contains("fail") || flags.Contains("fail?"),
            fields[3] == "-" ? null : fields[3],
            slots);
    }
}

using System.Globalization;

namespace Gateway.Bench.Tenants;

/// <summary>A plan of the seeded users: its limit, and the share of users on it.</summary>
internal sealed record PlanSpec(string Name, int RequestsPerWindow, int WindowSeconds, double Share)
{
    /// <summary><c>NAME=LIMIT/WINDOW@SHARE</c>, e.g. <c>free=600/10@0.8</c>.</summary>
    public static PlanSpec Parse(string value)
    {
        var nameAndRest = value.Split('=', 2);
        var limitAndShare = nameAndRest.Length == 2 ? nameAndRest[1].Split('@', 2) : [];
        var limitAndWindow = limitAndShare.Length == 2 ? limitAndShare[0].Split('/', 2) : [];
        if (nameAndRest.Length != 2 || limitAndWindow.Length != 2
            || !System.Text.RegularExpressions.Regex.IsMatch(nameAndRest[0], "^[a-z0-9_-]{1,32}$"))
        {
            throw new ArgumentException($"--plan takes NAME=LIMIT/WINDOW@SHARE (e.g. free=600/10@0.8), got '{value}'");
        }

        return new PlanSpec(
            nameAndRest[0],
            Arguments.Positive("--plan limit", limitAndWindow[0]),
            Math.Min(Arguments.Positive("--plan window", limitAndWindow[1]), 86_400),
            Arguments.Number("--plan share", limitAndShare[1], 0, 1));
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}={RequestsPerWindow}/{WindowSeconds}@{Share}");
}

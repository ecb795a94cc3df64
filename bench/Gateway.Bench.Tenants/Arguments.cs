using System.Globalization;

namespace Gateway.Bench.Tenants;

/// <summary>Parsing of <c>--name value</c> pairs shared by the verbs.</summary>
internal static class Arguments
{
    /// <summary>The pairs in order; every option takes a value except those in <paramref name="flags"/>.</summary>
    public static IEnumerable<(string Name, string Value)> Pairs(string[] args, params string[] flags)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (flags.Contains(name, StringComparer.Ordinal))
            {
                yield return (name, string.Empty);
                continue;
            }

            yield return (name, i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value"));
        }
    }

    public static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes a positive integer, got '{value}'");

    public static double Number(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x >= min && x <= max
            ? x
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} takes a number from {min} to {max}, got '{value}'"));
}

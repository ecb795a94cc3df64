using System.Globalization;

namespace Gateway.Bench.Measure;

/// <summary>
/// A value measured once per interleaved round: reported as its median with the range of the
/// rounds, "m (min–max)", the form every bench table uses. Ratios and differences are computed per
/// round first (paired), then summarised.
/// </summary>
public readonly record struct Rounds(int Count, double Median, double Min, double Max)
{
    public static Rounds Of(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        return list.Count == 0
            ? new Rounds(0, double.NaN, double.NaN, double.NaN)
            : new Rounds(list.Count, Percentiles.Median(list), list.Min(), list.Max());
    }

    /// <summary>"—" without values, the value alone for one round, "m (min–max)" otherwise.</summary>
    public string Format(string format) => Count switch
    {
        0 => "—",
        1 => Median.ToString(format, CultureInfo.InvariantCulture),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Median.ToString(format, CultureInfo.InvariantCulture)} ({Min.ToString(format, CultureInfo.InvariantCulture)}–{Max.ToString(format, CultureInfo.InvariantCulture)})"),
    };
}

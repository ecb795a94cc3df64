using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Tenants.Report;

/// <summary>
/// bench/cold-start.sh's table: one row per fresh start (run, healthy after s, requests, 2xx,
/// 429 limiter, 429 lookups + other, 503, errors, users seen, p50 ms, p99 ms, auth calls/failed, breakers).
/// </summary>
internal static class ColdStartTable
{
    public static string Build(IEnumerable<string[]> runs)
    {
        var table = new MarkdownTable()
            .Column("run").Column("healthy after s").Column("requests").Column("2xx").Column("429 (limiter)").Column("429 (lookups) + other")
            .Column("503").Column("errors").Column("users seen").Column("p50 ms").Column("p99 ms").Column("auth calls / failed").Column("breakers at the end", numeric: false);
        foreach (var f in runs)
        {
            table.Row([.. f[..9], Ms(f[9]), Ms(f[10]), f[11], f[12]]);
        }

        return table.ToString();
    }

    /// <summary>Requests not answered 2xx, over every run.</summary>
    public static long Refused(IEnumerable<string[]> runs) =>
        runs.Sum(f => long.Parse(f[2], CultureInfo.InvariantCulture) - long.Parse(f[3], CultureInfo.InvariantCulture));

    private static string Ms(string value) => double.Parse(value, CultureInfo.InvariantCulture).ToString("F2", CultureInfo.InvariantCulture);
}

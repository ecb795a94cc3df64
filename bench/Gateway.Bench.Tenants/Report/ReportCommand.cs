using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Tenants.Report;

/// <summary>
/// <c>report</c>: bench/tenants.sh's arithmetic and report (bash only starts processes and reads counters).
/// <list type="bullet">
/// <item><c>report measurement key=value ...</c>: one round's figures; progress line on stderr, results line on stdout (numbered rounds only)</item>
/// <item><c>report table results rows labels unlimited</c>: the results table (rows and unlimited space-separated, labels '|'-separated)</item>
/// <item><c>report keys seconds labels row=path ...</c>: the most popular keys of the last round</item>
/// <item><c>report other-load|client-load|errors results</c>: the noise lines and the error total</item>
/// <item><c>report diagnostics</c>: a proxy's <c>/gateway/diagnostics</c> JSON on stdin as "auth-calls decisions lookups-refused"</item>
/// <item><c>report perf-measurement key=value ...</c>: the profile report's measurements line for a row's profiled proxy</item>
/// <item><c>report json path ...</c>: fields of the JSON (or HTTP response) on stdin, space-separated</item>
/// <item><c>report cold-start-table|cold-start-refused results</c>: bench/cold-start.sh's table, and its requests not answered 2xx</item>
/// </list>
/// </summary>
internal static class ReportCommand
{
    public static int Run(string[] args)
    {
        switch (args)
        {
            case ["measurement", .. var pairs]:
                {
                    var raw = KeyValueArgs.Parse(pairs);
                    var measurement = TenantMeasurement.FromRaw(raw, out var progress);
                    Console.Error.WriteLine(progress);
                    if (measurement.Round > 0)
                    {
                        Console.WriteLine(measurement.ToLine());
                    }

                    return 0;
                }

            case ["table", var results, var rows, var labels, var unlimited]:
                Console.WriteLine(TenantReport.Table(
                    Read(results), rows.Split(' ', StringSplitOptions.RemoveEmptyEntries), labels.Split('|'),
                    unlimited.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)));
                return 0;

            case ["keys", var seconds, var labels, .. var files]:
                Console.WriteLine(TenantReport.KeysTable(
                    files.Select(f => f.Split('=', 2)).Select(f => (f[0], f[1])).ToList(), labels.Split('|'), double.Parse(seconds, CultureInfo.InvariantCulture)));
                return 0;

            case ["other-load", var results]:
                Console.WriteLine(TenantReport.OtherLoad(Read(results)));
                return 0;

            case ["client-load", var results]:
                Console.WriteLine(TenantReport.ClientLoad(Read(results)));
                return 0;

            case ["diagnostics"]:
                Console.WriteLine(Diagnostics.Summarise(Console.In.ReadToEnd()));
                return 0;

            case ["perf-measurement", .. var pairs]:
                {
                    // The profile report's measurements line for the profiled proxy of a row: half of
                    // the pair's requests went to it (the load tool alternates).
                    var raw = KeyValueArgs.Parse(pairs);
                    var half = long.Parse(raw["requests"], CultureInfo.InvariantCulture) / 2;
                    var seconds = double.Parse(raw["seconds"], CultureInfo.InvariantCulture);
                    Console.WriteLine(string.Join('\t', raw["row"], half.ToString(CultureInfo.InvariantCulture), raw["seconds"],
                        (half / seconds).ToString("R", CultureInfo.InvariantCulture), raw["p50_ms"], raw["p99_ms"], "-", raw["cpu_us"]));
                    return 0;
                }

            case ["json", .. var paths]:
                Console.WriteLine(JsonFields.Read(Console.In.ReadToEnd(), paths));
                return 0;

            case ["cold-start-table", var results]:
                Console.WriteLine(ColdStartTable.Build(Fields(results)));
                return 0;

            case ["cold-start-refused", var results]:
                Console.WriteLine(ColdStartTable.Refused(Fields(results)).ToString(CultureInfo.InvariantCulture));
                return 0;

            case ["errors", var results]:
                Console.WriteLine(Read(results).Sum(m => m.Errors).ToString(CultureInfo.InvariantCulture));
                return 0;

            default:
                throw new ArgumentException("report: measurement key=value ... | table <results> <rows> <labels> <unlimited> | keys <seconds> <labels> <row=path>... | other-load|client-load|errors|cold-start-table|cold-start-refused <results> | diagnostics | json <path>...");
        }
    }

    private static IEnumerable<string[]> Fields(string path) =>
        File.ReadLines(path).Where(line => line.Length > 0).Select(line => line.Split('\t'));

    private static List<TenantMeasurement> Read(string path) =>
        File.ReadLines(path).Where(line => line.Length > 0).Select(TenantMeasurement.Parse).ToList();
}

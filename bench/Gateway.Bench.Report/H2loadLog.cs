using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Report;

/// <summary>
/// One h2load measurement (the HTTP/2, TLS and gRPC rows of bench/run.sh) as the same
/// machine-readable line wrk-report.lua prints for wrk: h2load itself reports only mean latency,
/// so the percentiles come from its per-request log (<c>--log-file</c>: start µs, status,
/// response µs; status -1 for a request that got no response).
/// </summary>
internal static class H2loadLog
{
    public static string Line(string logPath, double seconds, long errored)
    {
        var latencies = new List<long>();
        var failed = errored;
        foreach (var line in File.ReadLines(logPath))
        {
            var fields = line.Split('\t');
            if (fields.Length < 3
                || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out var status)
                || !long.TryParse(fields[2], CultureInfo.InvariantCulture, out var microseconds))
            {
                continue;
            }

            // As in wrk-report.lua: anything that did not complete below 400 is a failure.
            if (status is < 100 or >= 400)
            {
                failed++;
                continue;
            }

            latencies.Add(microseconds);
        }

        latencies.Sort();
        var sorted = latencies.ToArray().AsSpan();
        return string.Create(CultureInfo.InvariantCulture,
            $"requests={latencies.Count} duration_us={(long)(seconds * 1e6)} p50_us={Percentiles.NearestRank<long>(sorted, 0.50):F0} p99_us={Percentiles.NearestRank<long>(sorted, 0.99):F0} failed={failed}");
    }
}

using System.Globalization;
using Gateway.Bench.Measure;
using Gateway.Bench.Report;

// bench/run.sh measures with wrk and reads CPU and Redis counters; everything computed from those
// numbers is here, in C#, on the shared measuring library (bench/Gateway.Bench.Measure):
//   measurement key=value ...     one measurement: progress line on stderr, results line on stdout (rounds only)
//   table <results> <keys> <labels>   the results table (keys space-separated, labels '|'-separated)
//   h2load-log <log> <seconds> <errored>   an h2load measurement as wrk-report.lua's line (percentiles from --log-file)
//   other-load <results>          how busy other processes kept the server core
//   failed <results>              failed requests over every round
//   json path ...                 fields of the JSON (or HTTP response) on stdin, space-separated
//   flood-table <results>         bench/flood.sh's table
//   profile --measurements F --frequency HZ --target key=label=prefix ... [--top N]
//                                 bench/profile.sh's tables from perf samples
//   viewers-table <viewers> <seconds> <idle ms> <busy ms> <fewest frames>   dashboard-viewers.sh's table
//   profile-measurement key=value ... | profile-other-load <measurements>   profile.sh's per-run figures
var invariant = CultureInfo.InvariantCulture;
switch (args)
{
    case ["measurement", .. var pairs]:
        {
            var raw = KeyValueArgs.Parse(pairs);
            var round = int.TryParse(raw.GetValueOrDefault("round"), invariant, out var r) ? r : 0;
            var measurement = Measurement.FromRaw(raw, round);
            Console.Error.WriteLine(measurement.ProgressLine(raw.GetValueOrDefault("pass") ?? string.Empty));
            if (round > 0)
            {
                Console.WriteLine(measurement.ToLine());
            }

            return 0;
        }

    case ["table", var results, var keys, var labels]:
        Console.WriteLine(ResultsTable.Build(Read(results), keys.Split(' ', StringSplitOptions.RemoveEmptyEntries), labels.Split('|')));
        return 0;

    case ["h2load-log", var log, var seconds, var errored]:
        Console.WriteLine(H2loadLog.Line(log, double.Parse(seconds, invariant), long.Parse(errored, invariant)));
        return 0;

    case ["other-load", var results]:
        {
            var values = Read(results).Select(m => m.OtherProcessesPercent).OfType<double>().Order().ToList();
            Console.WriteLine(values.Count == 0
                ? "not measured (servers not pinned to one CPU)"
                : string.Create(invariant, $"{Percentiles.Median(values):F0}% of the core, median over measurements (max {values[^1]:F0}%; {values.Count(v => v > 10)} of {values.Count} measurements above 10%)"));
            return 0;
        }

    case ["failed", var results]:
        Console.WriteLine(Read(results).Sum(m => m.Failed).ToString(invariant));
        return 0;

    case ["json", .. var paths]:
        Console.WriteLine(JsonFields.Read(Console.In.ReadToEnd(), paths));
        return 0;

    case ["profile-measurement", .. var pairs]:
        {
            var raw = KeyValueArgs.Parse(pairs);
            var (progress, line) = Gateway.Bench.Report.Profile.ProfileMeasurement.From(raw);
            Console.Error.WriteLine(progress);
            if (line is not null)
            {
                Console.WriteLine(line);
            }

            return 0;
        }

    case ["profile-other-load", var measurements]:
        Console.WriteLine(Gateway.Bench.Report.Profile.ProfileMeasurement.OtherLoad(measurements));
        return 0;

    case ["profile", .. var options]:
        Console.WriteLine(Gateway.Bench.Report.Profile.ProfileReport.Run(options));
        return 0;

    case ["viewers-table", var viewers, var seconds, var idle, var busy, var frames]:
        Console.WriteLine(ViewersTable.Build(
            int.Parse(viewers, invariant), int.Parse(seconds, invariant), long.Parse(idle, invariant), long.Parse(busy, invariant), int.Parse(frames, invariant)));
        return 0;

    case ["flood-table", var results]:
        Console.WriteLine(FloodTable.Build(results));
        return 0;

    default:
        Console.Error.WriteLine("usage: measurement key=value ... | table <results> <keys> <labels> | other-load <results> | failed <results> | json <path>... | flood-table <results> | profile ...");
        return 2;
}

static List<Measurement> Read(string path) =>
    File.ReadLines(path).Where(line => line.Length > 0).Select(Measurement.Parse).ToList();

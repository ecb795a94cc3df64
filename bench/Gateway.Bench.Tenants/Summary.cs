using System.Globalization;
using System.Text.Json;
using Gateway.Bench.Measure;
using static System.FormattableString;

namespace Gateway.Bench.Tenants;

/// <summary>One key's line in the summary.</summary>
internal sealed record KeyLine(
    int Rank, string Kind, string Plan, int Limit, int WindowSeconds, int Offered, int Admitted, int Refused, int Unavailable, int Other,
    double OfferedPerLimit, IReadOnlyList<WindowLine> Windows);

/// <summary>One key's requests in one of the limiter's fixed windows.</summary>
internal sealed record WindowLine(long StartUnixSeconds, bool Complete, int Decided, int Admitted);

/// <summary>Min, mean and max of a set of ratios (NaN when there is none).</summary>
internal readonly record struct Spread(int Count, double Mean, double Min, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values) => values.Count == 0
        ? new Spread(0, double.NaN, double.NaN, double.NaN)
        : new Spread(values.Count, values.Average(), values.Min(), values.Max());
}

/// <summary>
/// The measurement's figures: totals, latency, and accuracy of the rate limiter for keys offered
/// more than their limit. See bench/README.md ("Tenant workload") for what each one means.
/// </summary>
internal sealed class Summary
{
    private static readonly Outcome[] Outcomes = Enum.GetValues<Outcome>();

    private Summary()
    {
    }

    public required string Label { get; init; }

    public required LoadOptions Options { get; init; }

    public required Measurement Measurement { get; init; }

    public required int KeyCount { get; init; }

    public required int KeysRequested { get; init; }

    /// <summary>Requests answered (any status), tenant and anonymous.</summary>
    public long Requests { get; init; }

    public required long[] TenantOutcomes { get; init; }

    public required long[] AnonymousOutcomes { get; init; }

    public required long[] AllLatencies { get; init; }

    public required long[] TenantLatencies { get; init; }

    public required long[] AnonymousLatencies { get; init; }

    /// <summary>(key, complete window) pairs in which the limiter decided more requests than the key's limit: admitted ÷ limit.</summary>
    public required Spread WindowAccuracy { get; init; }

    public required int OverLimitKeys { get; init; }

    /// <summary>Keys whose decided requests exceeded their limit's rate over the whole run: admitted ÷ (limit × run ÷ window).</summary>
    public required Spread RunAccuracy { get; init; }

    /// <summary>429s of the rate limiter to keys never decided more than half their limit in any window.</summary>
    public required long RefusedUnderHalfLimit { get; init; }

    public required IReadOnlyList<KeyLine> Keys { get; init; }

    public double RequestsPerSecond => Requests / Measurement.Elapsed.TotalSeconds;

    public static Summary From(LoadOptions options, CredentialSet keys, Measurement m)
    {
        var stats = m.Stats;
        var tenant = new long[Outcomes.Length];
        var anonymous = new long[Outcomes.Length];
        foreach (var worker in m.Workers)
        {
            for (var i = 0; i < Outcomes.Length; i++)
            {
                tenant[i] += worker.TenantOutcomes[i];
                anonymous[i] += worker.AnonymousOutcomes[i];
            }
        }

        var windowRatios = new List<double>();
        var runRatios = new List<double>();
        var overKeys = new HashSet<int>();
        long refusedUnderHalf = 0;
        var runSeconds = m.Offered.TotalSeconds;
        for (var k = 0; k < keys.Count; k++)
        {
            if (stats.Offered[k] == 0)
            {
                continue;
            }

            var limit = keys.Limits[k];
            var underHalf = true;
            for (var b = 0; b < stats.Bins; b++)
            {
                var decided = stats.WindowDecided[(k * stats.Bins) + b];
                underHalf &= decided * 2 <= limit;
                if (decided > limit && stats.IsComplete(k, b))
                {
                    windowRatios.Add((double)stats.WindowAdmitted[(k * stats.Bins) + b] / limit);
                    overKeys.Add(k);
                }
            }

            if (underHalf)
            {
                refusedUnderHalf += stats.Refused[k];
            }

            var allowedInRun = limit * runSeconds / keys.WindowSeconds[k];
            if (!options.Prime && stats.Admitted[k] + stats.Refused[k] > allowedInRun)
            {
                runRatios.Add(stats.Admitted[k] / allowedInRun);
                overKeys.Add(k);
            }
        }

        // The keys worth reading one by one: the most requested, and every one over its limit or refused.
        var listed = Enumerable.Range(0, keys.Count)
            .Where(k => stats.Offered[k] > 0)
            .OrderByDescending(k => stats.Offered[k])
            .Select((k, i) => (k, i))
            .Where(p => p.i < options.ReportKeys || overKeys.Contains(p.k) || stats.Refused[p.k] > 0)
            .Select(p => p.k)
            .Take(Math.Max(options.ReportKeys, 1000))
            .OrderBy(k => k)
            .Select(k => new KeyLine(
                k + 1, keys.Kinds[k], keys.Plans[k], keys.Limits[k], keys.WindowSeconds[k],
                stats.Offered[k], stats.Admitted[k], stats.Refused[k], stats.Unavailable[k], stats.Other[k],
                stats.Offered[k] / (keys.Limits[k] * runSeconds / keys.WindowSeconds[k]),
                Enumerable.Range(0, stats.Bins)
                    .Where(b => stats.WindowDecided[(k * stats.Bins) + b] > 0)
                    .Select(b => new WindowLine(
                        stats.WindowStart(k, b) / 1_000_000, stats.IsComplete(k, b),
                        stats.WindowDecided[(k * stats.Bins) + b], stats.WindowAdmitted[(k * stats.Bins) + b]))
                    .ToArray()))
            .ToArray();

        var tenantLatencies = Percentiles.Sorted(m.Workers.Select(w => w.Tenant.Samples));
        var anonymousLatencies = Percentiles.Sorted(m.Workers.Select(w => w.Anonymous.Samples));
        var all = new long[tenantLatencies.Length + anonymousLatencies.Length];
        tenantLatencies.CopyTo(all, 0);
        anonymousLatencies.CopyTo(all, tenantLatencies.Length);
        Array.Sort(all);

        return new Summary
        {
            Label = options.Label,
            Options = options,
            Measurement = m,
            KeyCount = keys.Count,
            KeysRequested = stats.Offered.Count(n => n > 0),
            Requests = all.Length,
            TenantOutcomes = tenant,
            AnonymousOutcomes = anonymous,
            AllLatencies = all,
            TenantLatencies = tenantLatencies,
            AnonymousLatencies = anonymousLatencies,
            WindowAccuracy = Spread.Of(windowRatios),
            OverLimitKeys = overKeys.Count,
            RunAccuracy = Spread.Of(runRatios),
            RefusedUnderHalfLimit = refusedUnderHalf,
            Keys = listed,
        };
    }

    private long Count(Outcome outcome) => TenantOutcomes[(int)outcome] + AnonymousOutcomes[(int)outcome];

    private static double Ms(long[] sorted, double p) => Percentiles.Milliseconds(sorted, p);

    public string ProgressLine() => Invariant(
        $"[tenants] {Label,-28} {RequestsPerSecond,7:F0} req/s  p50 {Ms(AllLatencies, 0.50),6:F2} ms  p99 {Ms(AllLatencies, 0.99),7:F2} ms  2xx {Count(Outcome.Admitted)}  429 {Count(Outcome.Limited)}  ") +
        Invariant($"503 {Count(Outcome.Unavailable)}  429 lookup refused {Count(Outcome.LookupRefused)}  401 {Count(Outcome.Unauthorized)}  other {Count(Outcome.OtherStatus)}  errors {Count(Outcome.Error)}  ") +
        Invariant($"over-limit keys {OverLimitKeys}: admitted/limit per window {Format(WindowAccuracy.Mean)} ({Format(WindowAccuracy.Min)}-{Format(WindowAccuracy.Max)})  client CPU {Measurement.ClientCpuShare * 100:F0}%");

    /// <summary>One line of <c>name=value</c> pairs for bench/tenants.sh (values have no spaces; NaN as "nan").</summary>
    public string MachineLine() => "TENANTS " + string.Join(' ', new (string Name, object Value)[]
    {
        ("requests", Requests),
        ("elapsed_us", (long)Measurement.Elapsed.TotalMicroseconds),
        ("rps", RequestsPerSecond),
        ("p50_ms", Ms(AllLatencies, 0.50)),
        ("p99_ms", Ms(AllLatencies, 0.99)),
        ("tenant_p99_ms", Ms(TenantLatencies, 0.99)),
        ("anonymous_p99_ms", Ms(AnonymousLatencies, 0.99)),
        ("s2xx", Count(Outcome.Admitted)),
        ("s429", Count(Outcome.Limited)),
        ("s429_lookup", Count(Outcome.LookupRefused)),
        ("s503", Count(Outcome.Unavailable)),
        ("s401", Count(Outcome.Unauthorized)),
        ("other", Count(Outcome.OtherStatus)),
        ("errors", Count(Outcome.Error)),
        ("tenant_requests", TenantOutcomes.Sum()),
        ("anonymous_requests", AnonymousOutcomes.Sum()),
        ("anonymous_2xx", AnonymousOutcomes[(int)Outcome.Admitted]),
        ("keys_requested", KeysRequested),
        ("over_keys", OverLimitKeys),
        ("over_windows", WindowAccuracy.Count),
        ("acc_mean", WindowAccuracy.Mean),
        ("acc_min", WindowAccuracy.Min),
        ("acc_max", WindowAccuracy.Max),
        ("run_acc_mean", RunAccuracy.Mean),
        ("run_acc_min", RunAccuracy.Min),
        ("run_acc_max", RunAccuracy.Max),
        ("refused_under_half", RefusedUnderHalfLimit),
        ("client_cpu", Measurement.ClientCpuShare),
        ("unprimed", Measurement.Unprimed),
    }.Select(p => $"{p.Name}={Value(p.Value)}"));

    public void WriteJson(Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("label", Label);
        json.WriteStartArray("targets");
        foreach (var url in Options.Urls)
        {
            json.WriteStringValue(url.ToString());
        }

        json.WriteEndArray();
        json.WriteString("loop", Options.Prime ? "prime" : Options.Rate is null ? "closed" : "open");
        json.WriteNumber("connections", Options.Connections);
        if (Options.Rate is { } rate)
        {
            json.WriteNumber("targetRate", rate);
        }

        json.WriteNumber("zipf", Options.Zipf);
        json.WriteNumber("anonymousShare", Options.AnonymousShare);
        json.WriteNumber("keys", KeyCount);
        json.WriteNumber("keysRequested", KeysRequested);
        json.WriteNumber("offeredSeconds", Measurement.Offered.TotalSeconds);
        json.WriteNumber("elapsedSeconds", Measurement.Elapsed.TotalSeconds);
        json.WriteNumber("requests", Requests);
        json.WriteNumber("requestsPerSecond", Math.Round(RequestsPerSecond, 1));
        json.WriteNumber("clientCpuShare", Math.Round(Measurement.ClientCpuShare, 3));
        WriteOutcomes(json, "status", Count);
        WriteOutcomes(json, "tenantStatus", o => TenantOutcomes[(int)o]);
        WriteOutcomes(json, "anonymousStatus", o => AnonymousOutcomes[(int)o]);
        WriteLatency(json, "latencyMs", AllLatencies);
        WriteLatency(json, "tenantLatencyMs", TenantLatencies);
        WriteLatency(json, "anonymousLatencyMs", AnonymousLatencies);

        json.WriteStartObject("accuracy");
        json.WriteNumber("overLimitKeys", OverLimitKeys);
        WriteSpread(json, "admittedPerLimitPerWindow", WindowAccuracy);
        WriteSpread(json, "admittedPerLimitOverRun", RunAccuracy);
        json.WriteNumber("refusedUnderHalfLimit", RefusedUnderHalfLimit);
        json.WriteEndObject();

        json.WriteStartArray("perKey");
        foreach (var key in Keys)
        {
            json.WriteStartObject();
            json.WriteNumber("rank", key.Rank);
            json.WriteString("kind", key.Kind);
            json.WriteString("plan", key.Plan);
            json.WriteNumber("limit", key.Limit);
            json.WriteNumber("windowSeconds", key.WindowSeconds);
            json.WriteNumber("offered", key.Offered);
            json.WriteNumber("admitted", key.Admitted);
            json.WriteNumber("refused", key.Refused);
            json.WriteNumber("unavailable", key.Unavailable);
            json.WriteNumber("other", key.Other);
            json.WriteNumber("offeredPerLimit", Math.Round(key.OfferedPerLimit, 3));
            json.WriteStartArray("windows");
            foreach (var window in key.Windows)
            {
                json.WriteStartObject();
                json.WriteNumber("start", window.StartUnixSeconds);
                json.WriteBoolean("complete", window.Complete);
                json.WriteNumber("decided", window.Decided);
                json.WriteNumber("admitted", window.Admitted);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }

    public void WriteKeysTsv(string path)
    {
        using var writer = new StreamWriter(path) { NewLine = "\n" };
        foreach (var key in Keys)
        {
            writer.WriteLine(Invariant($"{key.Rank}\t{key.Kind}\t{key.Plan}\t{key.Limit}\t{key.WindowSeconds}\t{key.Offered}\t{key.Admitted}\t{key.Refused}\t{key.Unavailable}\t{key.Other}"));
        }
    }

    private static void WriteOutcomes(Utf8JsonWriter json, string name, Func<Outcome, long> count)
    {
        json.WriteStartObject(name);
        json.WriteNumber("2xx", count(Outcome.Admitted));
        json.WriteNumber("429", count(Outcome.Limited));
        json.WriteNumber("429LookupRefused", count(Outcome.LookupRefused));
        json.WriteNumber("503", count(Outcome.Unavailable));
        json.WriteNumber("401", count(Outcome.Unauthorized));
        json.WriteNumber("other", count(Outcome.OtherStatus));
        json.WriteNumber("errors", count(Outcome.Error));
        json.WriteEndObject();
    }

    private static void WriteLatency(Utf8JsonWriter json, string name, long[] sorted)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", sorted.Length);
        if (sorted.Length > 0)
        {
            json.WriteNumber("p50", Math.Round(Ms(sorted, 0.50), 3));
            json.WriteNumber("p99", Math.Round(Ms(sorted, 0.99), 3));
            json.WriteNumber("p999", Math.Round(Ms(sorted, 0.999), 3));
            json.WriteNumber("max", Math.Round(Ms(sorted, 1.0), 3));
        }

        json.WriteEndObject();
    }

    private static void WriteSpread(Utf8JsonWriter json, string name, Spread spread)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", spread.Count);
        if (spread.Count > 0)
        {
            json.WriteNumber("mean", Math.Round(spread.Mean, 4));
            json.WriteNumber("min", Math.Round(spread.Min, 4));
            json.WriteNumber("max", Math.Round(spread.Max, 4));
        }

        json.WriteEndObject();
    }

    private static string Format(double value) => double.IsNaN(value) ? "—" : value.ToString("F3", CultureInfo.InvariantCulture);

    private static string Value(object value) => value switch
    {
        double d when double.IsNaN(d) => "nan",
        double d => d.ToString("0.######", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

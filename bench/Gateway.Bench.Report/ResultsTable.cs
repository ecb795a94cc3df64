using Gateway.Bench.Measure;

namespace Gateway.Bench.Report;

/// <summary>
/// bench/run.sh's table: per row the median (min–max) of its rounds; ratios and the p99 difference
/// pair rounds. A row measured over another protocol (key <c>name@protocol</c>, e.g.
/// <c>gateway-rl-approximate@h2tls</c>) is compared with bare YARP over the same protocol
/// (<c>yarp@h2tls</c>) only.
/// </summary>
internal static class ResultsTable
{
    public static string Build(IReadOnlyList<Measurement> measurements, IReadOnlyList<string> keys, IReadOnlyList<string> labels)
    {
        var byKey = measurements.GroupBy(m => m.Key).ToDictionary(g => g.Key, g => g.ToDictionary(m => m.Round));
        var table = new MarkdownTable()
            .Column("target", numeric: false).Column("req/s").Column("× bare YARP").Column("× nginx").Column("p50 ms").Column("p99 ms")
            .Column("p99 − bare YARP, ms").Column("CPU µs/req").Column("backend CPU µs/req").Column("Redis calls/req").Column("failed");
        for (var k = 0; k < keys.Count; k++)
        {
            var rounds = byKey.GetValueOrDefault(keys[k]) ?? [];
            IEnumerable<double> Each(Func<Measurement, double?> value) => rounds.Values.Select(value).OfType<double>();
            IEnumerable<double> Paired(string baseKey, Func<Measurement, Measurement, double?> value) =>
                byKey.TryGetValue(SameProtocol(baseKey, keys[k]), out var baseline)
                    ? rounds.Values.Select(m => baseline.TryGetValue(m.Round, out var b) ? value(m, b) : null).OfType<double>()
                    : [];

            table.Row(
                k < labels.Count ? labels[k] : keys[k],
                Rounds.Of(Each(m => m.RequestsPerSecond)).Format("F0"),
                Rounds.Of(Paired("yarp", (m, b) => b.RequestsPerSecond > 0 ? m.RequestsPerSecond / b.RequestsPerSecond : null)).Format("F2"),
                Rounds.Of(Paired("nginx", (m, b) => b.RequestsPerSecond > 0 ? m.RequestsPerSecond / b.RequestsPerSecond : null)).Format("F2"),
                Rounds.Of(Each(m => m.P50Us / 1000)).Format("F2"),
                Rounds.Of(Each(m => m.P99Us / 1000)).Format("F2"),
                Rounds.Of(Paired("yarp", (m, b) => (m.P99Us - b.P99Us) / 1000)).Format("+0.00;-0.00;+0.00"),
                Rounds.Of(Each(m => m.CpuUsPerRequest)).Format("F0"),
                Rounds.Of(Each(m => m.BackendCpuUsPerRequest)).Format("F0"),
                Rounds.Of(Each(m => m.RedisCallsPerRequest)).Format("F3"),
                rounds.Values.Sum(m => m.Failed).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return table.ToString();
    }

    // Only over the same protocol: a gRPC or TLS row against cleartext HTTP/1.1 would compare protocols, not gateways.
    private static string SameProtocol(string baseKey, string key) =>
        key.IndexOf('@', StringComparison.Ordinal) is var at and > 0 ? baseKey + key[at..] : baseKey;
}

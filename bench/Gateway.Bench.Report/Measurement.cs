using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Report;

/// <summary>
/// One wrk measurement of bench/run.sh as it writes it to its results file (tab-separated, one
/// line per measured round): the row key, the round, and what was measured.
/// </summary>
internal sealed record Measurement(
    string Key, int Round, double RequestsPerSecond, double P50Us, double P99Us, long Failed,
    double CpuUsPerRequest, double? BackendCpuUsPerRequest, double? OtherProcessesPercent, double? RedisCallsPerRequest)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// From the raw numbers run.sh collected around one wrk run (key=value arguments): CPU ticks of
    /// the row's servers, the backend and the server core, Redis script calls before and after.
    /// </summary>
    public static Measurement FromRaw(IReadOnlyDictionary<string, string> raw, int round)
    {
        double D(string name) => double.Parse(raw[name], Invariant);
        double? Optional(string name) => raw.TryGetValue(name, out var v) && v is not ("" or "-") ? double.Parse(v, Invariant) : null;

        var requests = D("requests");
        var seconds = D("duration_us") / 1e6;
        var tickUs = D("tick_us");
        var redisBefore = Optional("redis_before");
        var redisAfter = Optional("redis_after");
        double? other = null;
        if (raw.TryGetValue("core", out var core) && core.Length > 0)
        {
            // What else ran on the server core: its busy time minus our servers' CPU time.
            other = CoreNoise.OtherProcessesPercent(D("core_ticks"), D("our_ticks"), tickUs, D("duration_us"));
        }

        return new Measurement(
            raw["key"],
            round,
            requests / seconds,
            D("p50_us"),
            D("p99_us"),
            (long)D("failed"),
            D("row_ticks") * tickUs / requests,
            raw.GetValueOrDefault("direct") == "1" ? null : D("backend_ticks") * tickUs / requests,
            other,
            redisBefore is { } b && redisAfter is { } a ? (a - b) / requests : null);
    }

    public string ToLine() => string.Join('\t',
        Key,
        Round.ToString(Invariant),
        RequestsPerSecond.ToString("F1", Invariant),
        P50Us.ToString("F0", Invariant),
        P99Us.ToString("F0", Invariant),
        Failed.ToString(Invariant),
        CpuUsPerRequest.ToString("F1", Invariant),
        Text(BackendCpuUsPerRequest, "F1"),
        Text(OtherProcessesPercent, "F0"),
        Text(RedisCallsPerRequest, "F4"));

    public static Measurement Parse(string line)
    {
        var f = line.Split('\t');
        return new Measurement(
            f[0], int.Parse(f[1], Invariant), double.Parse(f[2], Invariant), double.Parse(f[3], Invariant), double.Parse(f[4], Invariant),
            long.Parse(f[5], Invariant), double.Parse(f[6], Invariant), Number(f[7]), Number(f[8]), Number(f[9]));
    }

    /// <summary>The progress line run.sh prints for every measurement, warm-ups included.</summary>
    public string ProgressLine(string pass) => string.Create(Invariant,
        $"[bench] {(Round == 0 ? $"warm-up {pass}: " : $"round {Round}: ") + Key,-28} {RequestsPerSecond,7:F0} req/s  p50 {P50Us / 1000,6:F2} ms  p99 {P99Us / 1000,7:F2} ms  {CpuUsPerRequest,4:F0} us/req  redis {Text(RedisCallsPerRequest, "F4"),6}/req  other procs {Text(OtherProcessesPercent, "F0"),3}%  failed {Failed}");

    private static string Text(double? value, string format) => value?.ToString(format, Invariant) ?? "-";

    private static double? Number(string text) => text == "-" ? null : double.Parse(text, Invariant);
}

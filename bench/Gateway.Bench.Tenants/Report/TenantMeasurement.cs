using System.Globalization;
using Gateway.Bench.Measure;

namespace Gateway.Bench.Tenants.Report;

/// <summary>
/// One measured round of one row of bench/tenants.sh, as its results file holds it (tab-separated):
/// the load tool's summary plus the Redis, diagnostics and CPU counters read around it.
/// </summary>
internal sealed record TenantMeasurement(
    string Row,
    int Round,
    double RequestsPerSecond,
    double P50Ms,
    double P99Ms,
    double Share2xx,
    double Share429,
    double Share503AndOther,
    double RedisCallsPerRequest,
    double? RedisUsPerCall,
    double? RedisUsPerDecision,
    double? AuthCallsPerSecond,
    double OverKeys,
    double OverWindows,
    double AccuracyMean,
    double AccuracyMin,
    double AccuracyMax,
    long RefusedUnderHalf,
    long Errors,
    double? OtherProcessesPercent,
    double ClientCpuShare,
    double RedisCommandsPerRequest)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// From the load tool's <c>TENANTS</c> line and the counters tenants.sh read around the round
    /// (key=value arguments; a diagnostics value is "-" where the row has none).
    /// </summary>
    public static TenantMeasurement FromRaw(IReadOnlyDictionary<string, string> raw, out string progress)
    {
        double D(string name) => Number(raw[name]) ?? double.NaN;
        double? Optional(string name) => raw.TryGetValue(name, out var v) ? Number(v) : null;

        var requests = D("requests");
        var elapsedUs = D("elapsed_us");
        var seconds = D("seconds");
        var calls = D("calls");
        var usec = D("usec");
        var decisions = Optional("decisions");
        var auth = Optional("auth");
        double? other = null;
        if (raw.TryGetValue("core", out var core) && core.Length > 0)
        {
            // What else ran on the server core: its busy time minus our servers' CPU time.
            other = Math.Round(CoreNoise.OtherProcessesPercent(D("core_ticks"), D("our"), D("tick_us"), elapsedUs));
        }

        var measurement = new TenantMeasurement(
            raw["row"],
            int.Parse(raw["round"], Invariant),
            requests / (elapsedUs / 1e6),
            D("p50_ms"),
            D("p99_ms"),
            D("s2xx") / requests,
            D("s429") / requests,
            (D("s503") + D("s429_lookup") + D("other") + D("errors")) / requests,
            calls / requests,
            calls > 0 ? usec / calls : null,
            decisions > 0 ? usec / decisions : null,
            auth / seconds,
            D("over_keys"),
            D("over_windows"),
            D("acc_mean"),
            D("acc_min"),
            D("acc_max"),
            (long)D("refused_under_half"),
            (long)D("errors"),
            other,
            D("client_cpu"),
            D("commands") / requests);
        progress = string.Create(Invariant,
            $"[bench] round {measurement.Round}: {measurement.Row,-10} {measurement.RequestsPerSecond,7:F0} req/s  p99 {measurement.P99Ms,6:F2} ms  redis {measurement.RedisCallsPerRequest:F4} calls/req ({measurement.RedisCommandsPerRequest:F2} commands)  auth {Text(measurement.AuthCallsPerSecond, "F1")} calls/s  lookups refused {raw.GetValueOrDefault("lookups_refused", "-")}  decisions {raw.GetValueOrDefault("decisions", "-")}  other procs {Text(other, "F0")}%");
        return measurement;
    }

    public string ToLine() => string.Join('\t', new[]
    {
        Row, Round.ToString(Invariant), R(RequestsPerSecond), R(P50Ms), R(P99Ms), R(Share2xx), R(Share429), R(Share503AndOther),
        R(RedisCallsPerRequest), Text(RedisUsPerCall, "R"), Text(RedisUsPerDecision, "R"), Text(AuthCallsPerSecond, "R"),
        R(OverKeys), R(OverWindows), R(AccuracyMean), R(AccuracyMin), R(AccuracyMax), RefusedUnderHalf.ToString(Invariant),
        Errors.ToString(Invariant), Text(OtherProcessesPercent, "F0"), R(ClientCpuShare), R(RedisCommandsPerRequest),
    });

    public static TenantMeasurement Parse(string line)
    {
        var f = line.Split('\t');
        double N(int i) => Number(f[i]) ?? double.NaN;
        return new TenantMeasurement(
            f[0], int.Parse(f[1], Invariant), N(2), N(3), N(4), N(5), N(6), N(7), N(8), Number(f[9]), Number(f[10]), Number(f[11]),
            N(12), N(13), N(14), N(15), N(16), (long)N(17), (long)N(18), Number(f[19]), N(20), N(21));
    }

    private static string R(double value) => double.IsNaN(value) ? "nan" : value.ToString("R", Invariant);

    private static string Text(double? value, string format) =>
        value is { } v && !double.IsNaN(v) ? v.ToString(format, Invariant) : "-";

    private static double? Number(string text) =>
        text is "-" or "" ? null : text is "nan" or "NaN" ? double.NaN : double.Parse(text, Invariant);
}

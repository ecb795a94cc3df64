namespace Gateway.Bench.Tenants;

/// <summary>
/// Per-key counts of one measurement, shared by the workers (interlocked increments: a hot key's
/// counters are touched by every connection), and each key's requests binned by the rate
/// limiter's own fixed windows.
/// </summary>
/// <remarks>
/// The proxy's sliding-window script (<c>Gateway.Proxy/RateLimiting/Scripts/sliding_window.lua</c>)
/// counts permits in fixed windows of its plan's length aligned to the Unix epoch (Redis <c>TIME</c>
/// ÷ window) and never lets one window's count exceed the limit. Binning each request by the same
/// windows (on this machine's clock, at the midpoint between sending it and its answer) makes
/// "admitted in one complete window ÷ limit" directly comparable with 1.
/// </remarks>
internal sealed class KeyStats
{
    private readonly long[] _windowMicros;
    private readonly long[] _firstWindow;

    public KeyStats(CredentialSet keys, long startUnixMicros, long stopUnixMicros, TimeSpan grace)
    {
        var n = keys.Count;
        Offered = new int[n];
        Admitted = new int[n];
        Refused = new int[n];
        Unavailable = new int[n];
        Other = new int[n];
        StartUnixMicros = startUnixMicros;
        StopUnixMicros = stopUnixMicros;
        _windowMicros = new long[n];
        _firstWindow = new long[n];
        var bins = 1;
        var last = stopUnixMicros + (long)grace.TotalMicroseconds;
        for (var k = 0; k < n; k++)
        {
            _windowMicros[k] = keys.WindowSeconds[k] * 1_000_000L;
            _firstWindow[k] = startUnixMicros / _windowMicros[k];
            bins = Math.Max(bins, (int)((last / _windowMicros[k]) - _firstWindow[k] + 1));
        }

        Bins = bins;
        WindowDecided = new int[n * bins];
        WindowAdmitted = new int[n * bins];
    }

    public long StartUnixMicros { get; }

    public long StopUnixMicros { get; }

    public int Bins { get; }

    public int[] Offered { get; }

    public int[] Admitted { get; }

    /// <summary>429 from the rate limiter (the answer carries <c>RateLimit-Policy</c>).</summary>
    public int[] Refused { get; }

    public int[] Unavailable { get; }

    /// <summary>Any other answer, or none.</summary>
    public int[] Other { get; }

    /// <summary>
    /// Requests the rate limiter decided (admitted or refused with its 429), per window: what was
    /// offered to the limiter. A request refused before it (503 because the auth service could not
    /// be asked) is no test of the limiter.
    /// </summary>
    public int[] WindowDecided { get; }

    public int[] WindowAdmitted { get; }

    public void Record(int key, long unixMicros, Outcome outcome)
    {
        var bin = (int)Math.Clamp((unixMicros / _windowMicros[key]) - _firstWindow[key], 0, Bins - 1);
        Interlocked.Increment(ref Offered[key]);
        switch (outcome)
        {
            case Outcome.Admitted:
                Interlocked.Increment(ref Admitted[key]);
                Interlocked.Increment(ref WindowDecided[(key * Bins) + bin]);
                Interlocked.Increment(ref WindowAdmitted[(key * Bins) + bin]);
                break;
            case Outcome.Limited:
                Interlocked.Increment(ref Refused[key]);
                Interlocked.Increment(ref WindowDecided[(key * Bins) + bin]);
                break;
            case Outcome.Unavailable:
                Interlocked.Increment(ref Unavailable[key]);
                break;
            default:
                Interlocked.Increment(ref Other[key]);
                break;
        }
    }

    /// <summary>Start of window bin <paramref name="bin"/> of key <paramref name="key"/>, Unix µs.</summary>
    public long WindowStart(int key, int bin) => (_firstWindow[key] + bin) * _windowMicros[key];

    /// <summary>The window lies entirely within the time requests were sent.</summary>
    public bool IsComplete(int key, int bin) =>
        WindowStart(key, bin) >= StartUnixMicros && WindowStart(key, bin) + _windowMicros[key] <= StopUnixMicros;
}

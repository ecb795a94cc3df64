namespace Gateway.Bench.Measure;

/// <summary>
/// One load worker's request durations, in <see cref="System.Diagnostics.Stopwatch"/> ticks, kept
/// whole so <see cref="Percentiles"/> are exact. Not thread-safe: one per worker, merged at the end.
/// </summary>
public sealed class LatencyRecorder
{
    private long[] _ticks = new long[16 * 1024];

    public int Count { get; private set; }

    public ReadOnlyMemory<long> Samples => _ticks.AsMemory(0, Count);

    public void Add(long ticks)
    {
        if (Count == _ticks.Length)
        {
            Array.Resize(ref _ticks, _ticks.Length * 2);
        }

        _ticks[Count++] = ticks;
    }
}

namespace Gateway.Bench.Measure;

/// <summary>How busy other processes kept the server core while a measurement ran: the noise in its numbers.</summary>
public static class CoreNoise
{
    /// <summary>
    /// The core's busy ticks minus our servers' CPU ticks, as a percentage of the measurement's
    /// duration (never below 0: the two counters are read a few microseconds apart).
    /// </summary>
    public static double OtherProcessesPercent(double coreTicks, double ourTicks, double tickMicroseconds, double durationMicroseconds) =>
        Math.Max(0, (coreTicks - ourTicks) * tickMicroseconds / durationMicroseconds * 100);
}

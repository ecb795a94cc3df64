namespace Gateway.Proxy.Telemetry;

/// <summary>
/// One policy's rate-limit decisions by outcome. Each limiter of the policy holds this object
/// (found once, when the limiter is created), so counting a decision is one Interlocked add on
/// the request path, with no lookup by policy name.
/// </summary>
internal sealed class RateLimitDecisions(string policy)
{
    private readonly long[] _counts = new long[Enum.GetValues<RateLimitOutcome>().Length];

    public string Policy { get; } = policy;

    public void Count(RateLimitOutcome outcome) => Interlocked.Increment(ref _counts[(int)outcome]);

    public long this[RateLimitOutcome outcome] => Interlocked.Read(ref _counts[(int)outcome]);
}

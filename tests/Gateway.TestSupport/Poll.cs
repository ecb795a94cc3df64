namespace Gateway.TestSupport;

/// <summary>Waits for a state by polling it against a deadline (never a fixed sleep).</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>Evaluates <paramref name="probe"/> until it returns a value, or throws at the deadline.</summary>
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        using var cts = new CancellationTokenSource(timeout);
        using var timer = new PeriodicTimer(Interval);
        do
        {
            if (await probe(cts.Token) is { } result)
            {
                return result;
            }
        }
        while (await WaitNextAsync(timer, cts.Token));

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
    }

    private static async Task<bool> WaitNextAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

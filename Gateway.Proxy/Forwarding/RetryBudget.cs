namespace Gateway.Proxy.Forwarding;

/// <summary>
/// Allows retries up to 20% of recent requests (plus a small floor), like Envoy's retry budget:
/// each request deposits 0.2 tokens, each retry spends one, the balance is capped.
/// </summary>
internal sealed class RetryBudget
{
    private const long Scale = 10;          // tokens are counted in tenths
    private const long DepositPerRequest = 2; // 0.2 retry per request
    private const long Cap = 100 * Scale;   // at most 100 retries in a burst
    private long _balance = 10 * Scale;     // a floor so the first failures can retry

    public void Deposit()
    {
        if (Interlocked.Read(ref _balance) < Cap)
        {
            Interlocked.Add(ref _balance, DepositPerRequest);
        }
    }

    public bool TryWithdraw()
    {
        var current = Interlocked.Read(ref _balance);
        while (current >= Scale)
        {
            var previous = Interlocked.CompareExchange(ref _balance, current - Scale, current);
            if (previous == current)
            {
                return true;
            }

            current = previous;
        }

        return false;
    }
}

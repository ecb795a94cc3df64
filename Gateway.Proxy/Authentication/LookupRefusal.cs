namespace Gateway.Proxy.Authentication;

/// <summary>Why a cache miss was not sent to the auth service.</summary>
internal enum LookupRefusal
{
    /// <summary>Sent (not refused).</summary>
    None,

    /// <summary>The client's failed-credential budget is spent: 429, before any lookup.</summary>
    OverBudget,

    /// <summary>The client already has its share of lookups in flight: 429.</summary>
    ClientBusy,

    /// <summary>The replica already has its share of lookups in flight: 503.</summary>
    Busy,
}

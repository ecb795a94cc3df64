namespace Gateway.Proxy.RateLimiting;

/// <summary>What to do when Redis cannot answer.</summary>
internal enum RateLimitFailMode
{
    /// <summary>Allow the request and count it as degraded.</summary>
    Open,

    /// <summary>Refuse with 503: for limits that protect something fragile.</summary>
    Closed,

    /// <summary>Apply an in-process limit of limit ÷ replicas per replica.</summary>
    Local,
}

namespace Gateway.Proxy.RateLimiting;

/// <summary>How a policy keys its counters.</summary>
internal enum PartitionBy
{
    /// <summary>Per authenticated user, limit from the user's plan; anonymous callers per client address.</summary>
    User,

    /// <summary>Per credential (API key or token), limit from the owner's plan; anonymous callers per client address.</summary>
    ApiKey,

    /// <summary>Per client address (socket, or X-Forwarded-For from a trusted proxy).</summary>
    ClientIp,
}

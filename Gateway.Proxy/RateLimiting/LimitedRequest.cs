using System.Threading.RateLimiting;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Hands the request being limited from its policy's partition callback to the
/// <see cref="DistributedRateLimiter"/> that decides it, so the limiter can write the
/// <c>RateLimit</c> headers of an allowed request (ASP.NET's rate limiting middleware does not
/// expose the lease to the request: dotnet/aspnetcore#44140).
/// </summary>
/// <remarks>
/// <see cref="PartitionedRateLimiter{TResource}"/> calls the partition callback and then, on the same
/// thread and before any await, the partition's limiter (<c>AttemptAcquire</c> or the synchronous
/// start of <c>AcquireAsync</c>), which takes the request at once and carries it through its own
/// awaits. This replaces <c>IHttpContextAccessor</c>: registering the accessor makes ASP.NET set an
/// <see cref="AsyncLocal{T}"/> on every request and stop reusing each connection's
/// <see cref="HttpContext"/> (measured: about 500 bytes more allocated per request, on every route).
/// </remarks>
internal static class LimitedRequest
{
    [ThreadStatic]
    private static HttpContext? t_request;

    [ThreadStatic]
    private static RateLimiter? t_limiter;

    /// <summary>Called by the partition callback, just before the partition's limiter runs.</summary>
    public static void Set(HttpContext request, RateLimiter limiter)
    {
        t_request = request;
        t_limiter = limiter;
    }

    /// <summary>
    /// Called by <see cref="PolicyLimiter"/> at its synchronous entry: the limiter of the request's
    /// partition (the request stays for that limiter's own <see cref="Take"/>).
    /// </summary>
    public static RateLimiter TakeLimiter()
    {
        var limiter = t_limiter ?? throw new InvalidOperationException("A policy limiter ran without its partition callback: the request has no limiter to decide it.");
        t_limiter = null;
        return limiter;
    }

    /// <summary>Called by the limiter at its synchronous entry: the request, and the slot cleared.</summary>
    public static HttpContext? Take()
    {
        var request = t_request;
        t_request = null;
        return request;
    }
}

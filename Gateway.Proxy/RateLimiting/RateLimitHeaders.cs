using System.Globalization;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Tells clients where they stand: <c>RateLimit-Policy</c> and <c>RateLimit</c> (IETF httpapi
/// ratelimit-headers draft, structured fields) and the widespread <c>X-RateLimit-*</c> trio.
/// </summary>
internal static class RateLimitHeaders
{
    public const string Policy = "RateLimit-Policy";
    public const string RateLimit = "RateLimit";
    public const string Limit = "X-RateLimit-Limit";
    public const string Remaining = "X-RateLimit-Remaining";
    public const string Reset = "X-RateLimit-Reset";

    public static void Write(IHeaderDictionary headers, DistributedRateLimiter limiter, int remaining, int resetSeconds)
    {
        var remainingText = remaining.ToString(CultureInfo.InvariantCulture);
        var resetText = resetSeconds.ToString(CultureInfo.InvariantCulture);
        headers[Policy] = limiter.PolicyHeader;
        headers[RateLimit] = $"\"{limiter.Spec.Policy}\";r={remainingText};t={resetText}";
        headers[Limit] = limiter.LimitHeader;
        headers[Remaining] = remainingText;
        headers[Reset] = resetText;
    }
}

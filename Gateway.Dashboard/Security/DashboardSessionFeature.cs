namespace Gateway.Dashboard.Security;

/// <summary>
/// This request's server-side session, set by <see cref="RedisTicketStore"/> when the cookie's
/// session was found. The cookie handler keeps the session id private, and the live stream needs it
/// to re-check its session while it runs.
/// </summary>
internal sealed class DashboardSessionFeature(string sessionId, DateTimeOffset endsAt)
{
    public string SessionId { get; } = sessionId;

    /// <summary>The absolute end of the session.</summary>
    public DateTimeOffset EndsAt { get; } = endsAt;
}

using Microsoft.AspNetCore.Authentication;
using StackExchange.Redis;

namespace Gateway.Dashboard.Security;

/// <summary>Applies a <see cref="SessionValidator"/> verdict to the stored session: keep, store the renewed ticket, or delete.</summary>
internal sealed partial class DashboardSessions(RedisTicketStore store, SessionValidator validator, ILogger<DashboardSessions> logger)
{
    /// <summary>Whether the session behind <paramref name="ticket"/> goes on; an ended one is deleted.</summary>
    public async Task<bool> ContinueAsync(string sessionId, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        try
        {
            switch (await validator.CheckAsync(ticket, cancellationToken))
            {
                case SessionVerdict.Valid:
                    return true;
                case SessionVerdict.Renewed:
                    // False when it was signed out meanwhile: the renewal does not bring it back.
                    return await store.TryRenewAsync(sessionId, ticket);
                default:
                    await store.RemoveAsync(sessionId);
                    return false;
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Cannot store the verdict: refuse (fail closed); the key's own time to live remains.
            Log.StoreUnavailable(logger, exception.GetType().Name);
            return false;
        }
    }

    /// <summary>Reads the session again (it may have been signed out, or have ended) and checks it: for long-lived requests.</summary>
    public async Task<bool> StillSignedInAsync(string sessionId, CancellationToken cancellationToken) =>
        await store.ReadAsync(sessionId, null) is { } ticket && await ContinueAsync(sessionId, ticket, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "The dashboard's session store (Redis) is unavailable ({ExceptionType}): the session is refused.")]
        public static partial void StoreUnavailable(ILogger logger, string exceptionType);
    }
}

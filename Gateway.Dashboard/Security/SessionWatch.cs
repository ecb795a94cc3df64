using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Security;

/// <summary>
/// Keeps a long-lived response (the live stream) tied to its session: the response ends at the
/// session's absolute end, and when a check every <see cref="DashboardSecurityOptions.RoleRecheckInterval"/>
/// finds it signed out, expired or no longer an admin's. The cookie is validated once per request,
/// which for a stream open for hours would be never again.
/// </summary>
internal sealed class SessionWatch(DashboardSessions sessions, IOptions<DashboardSecurityOptions> options, TimeProvider time)
{
    public async IAsyncEnumerable<T> WhileSignedInAsync<T>(HttpContext context, Func<CancellationToken, IAsyncEnumerable<T>> stream)
    {
        if (context.Features.Get<DashboardSessionFeature>() is not { } session)
        {
            yield break;
        }

        var remaining = session.EndsAt - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            yield break;
        }

        using var expiry = new CancellationTokenSource(remaining, time);
        using var revoked = new CancellationTokenSource();
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, expiry.Token, revoked.Token);
        var watching = WatchAsync(session.SessionId, revoked, ended.Token);
        var items = stream(ended.Token).GetAsyncEnumerator(ended.Token);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await items.MoveNextAsync();
                }
                catch (OperationCanceledException) when (ended.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                {
                    // The session ended, not the connection: finish the response; the browser's
                    // reconnect then meets 401 and goes to the login page.
                    more = false;
                }

                if (!more)
                {
                    break;
                }

                yield return items.Current;
            }
        }
        finally
        {
            await revoked.CancelAsync();
            await items.DisposeAsync();
            await watching;
        }
    }

    private async Task WatchAsync(string sessionId, CancellationTokenSource revoked, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.RoleRecheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (!await sessions.StillSignedInAsync(sessionId, cancellationToken))
                {
                    await revoked.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended first.
        }
    }
}

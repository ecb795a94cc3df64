using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Telemetry;
using Gateway.ServiceDefaults.ClientAddresses;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// The slow path of authentication: asking the auth service about a credential the
/// <see cref="AuthCache"/> does not hold, so that no client can make it costly for anyone else.
/// <list type="number">
/// <item>Concurrent misses for one credential share one call (single flight): the first asker leads.</item>
/// <item>The leader takes a <see cref="LookupAdmission"/> slot of its client and of the replica,
/// held by the call itself until the auth service answers (a short queue, then a refusal).</item>
/// <item>Then a permit of its client's failed-credential budget (<see cref="FailedCredentialLimiter"/>)
/// before anything is sent: a client that has spent it is refused, so a flood of unknown
/// credentials causes at most the budget's lookups. In this order a client holds at most its
/// admission slots' worth of permits at once: 200 users behind one address (an office, a NAT)
/// arriving together after a deploy queue for slots instead of spending a budget of 60 on lookups
/// that are about to be given back.</item>
/// <item>The answer is stored in the cache; a valid answer gives the budget's permit back, and so
/// does a lookup the open breaker never sent; an invalid one, or a call that got no answer
/// (deadline, error), keeps it.</item>
/// </list>
/// A refusal of the leader's own client says nothing about the other askers' clients: they ask
/// again, leading themselves.
/// <para>
/// <see cref="Refresh"/> revalidates a credential the cache still holds, when the cache says it is
/// due, without anyone waiting for it: only if a slot is free at once (it never queues ahead of a
/// miss), without the failed-credential budget (the credential was valid), and sharing its call
/// with any miss that arrives meanwhile.
/// </para>
/// </summary>
internal sealed class CredentialLookups(
    AuthCache cache,
    IAuthValidator validator,
    LookupAdmission admission,
    FailedCredentialLimiter failedCredentials,
    ClientAddressResolver clients,
    ProxyMetrics metrics)
{
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<CredentialKey, Task<AuthLookup>> _inflight = new();

    /// <summary>The auth service's answer about <paramref name="key"/> for <paramref name="request"/>, or why it was not asked.</summary>
    public async Task<AuthLookup> ValidateAsync(CredentialKey key, string credential, HttpContext request, CancellationToken cancellationToken)
    {
        metrics.AuthCacheMiss();
        for (var joined = 0; ; joined++)
        {
            if (_inflight.TryGetValue(key, out var shared))
            {
                var answer = await shared.WaitAsync(cancellationToken);
                if (answer is { Status: AuthLookupStatus.Refused, Refusal: not LookupRefusal.Busy } && joined == 0)
                {
                    continue;
                }

                return answer;
            }

            var completion = new TaskCompletionSource<AuthLookup>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inflight.TryAdd(key, completion.Task))
            {
                return await LeadAsync(key, credential, request, completion, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Starts the background revalidation of a cached credential (see <see cref="AuthCache.TryGet"/>'s
    /// <c>refreshDue</c>); returns at once. Nothing is started when a lookup of it is already in
    /// flight, or when no lookup slot of the request's client and of the replica is free right now.
    /// </summary>
    public void Refresh(CredentialKey key, string credential, HttpContext request)
    {
        var completion = new TaskCompletionSource<AuthLookup>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inflight.TryAdd(key, completion.Task))
        {
            return;
        }

        var ticket = admission.TryEnter(clients.Key(request));
        if (!ticket.Admitted)
        {
            // A miss that joined meanwhile asks again, leading itself (a refusal of no one's client).
            Finish(key, completion, AuthLookup.Refused(LookupRefusal.None, TimeSpan.Zero));
            return;
        }

        metrics.AuthCacheRefresh();
        _ = AskAsync(key, credential, budget: null, ticket, completion);
    }

    private async Task<AuthLookup> LeadAsync(
        CredentialKey key, string credential, HttpContext request, TaskCompletionSource<AuthLookup> completion, CancellationToken cancellationToken)
    {
        LookupAdmission.Ticket? ticket = null;
        RateLimitLease budget;
        try
        {
            ticket = await admission.EnterAsync(clients.Key(request), cancellationToken);
            if (!ticket.Admitted)
            {
                metrics.CredentialLookupRefused(ticket.Refusal);
                return Finish(key, completion, AuthLookup.Refused(ticket.Refusal, BusyRetryAfter));
            }

            budget = await failedCredentials.ReserveAsync(request, cancellationToken);
            if (!budget.IsAcquired)
            {
                ticket.Dispose();
                metrics.CredentialLookupRefused(LookupRefusal.OverBudget);
                return Finish(key, completion, AuthLookup.Refused(LookupRefusal.OverBudget, RetryAfter(budget)));
            }
        }
        catch
        {
            // The caller gave up before anything was sent: nothing counts, the others ask again.
            ticket?.Dispose();
            Finish(key, completion, AuthLookup.Refused(LookupRefusal.None, TimeSpan.Zero));
            throw;
        }

        // Not awaited by the call itself: it finishes, and frees its slot, whoever still waits.
        _ = AskAsync(key, credential, budget, ticket, completion);
        return await completion.Task.WaitAsync(cancellationToken);
    }

    private async Task AskAsync(CredentialKey key, string credential, RateLimitLease? budget, LookupAdmission.Ticket ticket, TaskCompletionSource<AuthLookup> completion)
    {
        var generation = cache.Generation;
        AuthLookup result;
        try
        {
            result = await validator.ValidateAsync(credential);
        }
        catch (Exception ex)
        {
            // Validators report failures as Unavailable; anything else is a bug, but still not "invalid".
            result = AuthLookup.Unavailable(BusyRetryAfter);
            metrics.AuthValidationError(ex.GetType().Name);
        }
        finally
        {
            ticket.Dispose();
        }

        if (budget is not null && (result.Status == AuthLookupStatus.Valid || !result.Sent))
        {
            // Not a failure, or nothing was asked (the breaker is open): the permit goes back (the
            // lease, never the request, which may be gone). A call that went out and got no answer
            // keeps it: were it given back, a flood would grow unbounded exactly while the auth
            // service is slow, the moment it can least afford it.
            FailedCredentialLimiter.Refund(budget);
        }

        cache.Store(key, result, generation);
        Finish(key, completion, result);
    }

    private AuthLookup Finish(CredentialKey key, TaskCompletionSource<AuthLookup> completion, AuthLookup result)
    {
        _inflight.TryRemove(key, out _);
        completion.SetResult(result);
        return result;
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : BusyRetryAfter;
}

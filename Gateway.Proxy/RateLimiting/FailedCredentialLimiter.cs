using System.Threading.RateLimiting;
using Gateway.Proxy.Authentication;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.RateLimiting;

/// <summary>
/// Each client's failed-credential budget (<see cref="RateLimitingOptions.FailedCredentialPolicy"/>,
/// per client address group, shared by every replica through Redis), spent before a credential
/// is looked up rather than after:
/// <list type="number">
/// <item>A cache miss takes one permit (<see cref="ReserveAsync"/>) before the auth service is asked.
/// Without one the request is refused (429 with <c>Retry-After</c>) and the auth service never
/// hears of it, so a flood of unknown credentials from one client causes at most its budget of
/// lookups per window, whatever its request rate.</item>
/// <item>A credential that proves valid gives its permit back (<see cref="Refund"/>): valid callers
/// behind one address never spend each other's budget. One the auth service could not answer
/// keeps it, so a flood cannot grow while the auth service is slow.</item>
/// <item>As ASP.NET's global limiter it counts every other rejected credential (malformed, known
/// invalid from the negative cache) and answers the refusals above.</item>
/// </list>
/// It is a <see cref="PartitionedRateLimiter{TResource}"/> over ASP.NET's own partitioned limiter
/// of the policy, so the budget is the same <see cref="DistributedRateLimiter"/> per client
/// whichever way it is reached.
/// </summary>
internal sealed class FailedCredentialLimiter : PartitionedRateLimiter<HttpContext>
{
    /// <summary><see cref="HttpContext.Items"/> key of the lease a request's lookup took (or was refused).</summary>
    private static readonly object LeaseItemKey = new();

    private static readonly RateLimitLease NotLimited = GatewayRateLimitLease.Acquired;

    private readonly PartitionedRateLimiter<HttpContext>? _perClient;

    public FailedCredentialLimiter(IOptions<RateLimitingOptions> options, RateLimitPartitioner partitioner)
    {
        var settings = options.Value;
        var name = settings.FailedCredentialPolicy;
        if (string.IsNullOrEmpty(name))
        {
            return;
        }

        if (!settings.Policies.TryGetValue(name, out var policy) || policy.Partition != PartitionBy.ClientIp)
        {
            throw new InvalidOperationException(
                $"{RateLimitingOptions.SectionName}:FailedCredentialPolicy names '{name}', which must be a configured policy with Partition ClientIp.");
        }

        _perClient = PartitionedRateLimiter.Create<HttpContext, string>(context => partitioner.Partition(context, name));
    }

    /// <summary>False when no failed-credential policy is configured (lookups are then bounded by <see cref="LookupAdmission"/> only).</summary>
    public bool Enabled => _perClient is not null;

    /// <summary>
    /// Takes a permit of the request's client for one lookup. Not acquired: the client's budget is
    /// spent, and the request is refused by this limiter (the lease says for how long).
    /// </summary>
    public async ValueTask<RateLimitLease> ReserveAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (_perClient is null)
        {
            return NotLimited;
        }

        var lease = await _perClient.AcquireAsync(context, 1, cancellationToken);
        context.Items[LeaseItemKey] = lease;
        return lease;
    }

    /// <summary>
    /// The reserved lookup did not count as a failure: the permit goes back. Takes the lease, not
    /// the request (a lookup may end after its request did). The request stays not limited here.
    /// </summary>
    public static void Refund(RateLimitLease lease) => (lease as GatewayRateLimitLease)?.Refund();

    /// <summary>
    /// Whether the request's client is known to have spent its budget (Redis said so, and the time
    /// it named has not come): a look at this replica's state, taking nothing, with no round trip.
    /// </summary>
    public bool IsSpent(HttpContext context, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_perClient is null)
        {
            return false;
        }

        using var lease = _perClient.AttemptAcquire(context, 0);
        if (lease.IsAcquired)
        {
            return false;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        return true;
    }

    /// <summary>This request's own reservation was refused (the refusal is this limiter's answer to it).</summary>
    public static bool WasRefused(HttpContext context) => Refusal(context) is not null;

    /// <summary>
    /// The refusal of this request's own reservation, if it was refused: the 429 is its answer,
    /// given by this limiter as ASP.NET's global limiter or, on a route whose rate limiting is
    /// disabled (which skips the global limiter too), by the authentication challenge.
    /// </summary>
    public static RateLimitLease? Refusal(HttpContext context) =>
        context.Items.TryGetValue(LeaseItemKey, out var value) && value is RateLimitLease { IsAcquired: false } lease ? lease : null;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) => Decide(resource) switch
    {
        Decision.Count => _perClient!.AttemptAcquire(resource, permitCount),
        Decision.Refused => (RateLimitLease)resource.Items[LeaseItemKey]!,
        _ => NotLimited,
    };

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) => Decide(resource) switch
    {
        Decision.Count => _perClient!.AcquireAsync(resource, permitCount, cancellationToken),
        Decision.Refused => ValueTask.FromResult((RateLimitLease)resource.Items[LeaseItemKey]!),
        _ => ValueTask.FromResult(NotLimited),
    };

    private Decision Decide(HttpContext context)
    {
        if (_perClient is null || !context.Items.ContainsKey(GatewayAuthentication.RejectedCredentialItemKey))
        {
            return Decision.NotLimited;
        }

        // A lookup's permit already counts this failure, or its refusal is the answer.
        if (context.Items.TryGetValue(LeaseItemKey, out var value) && value is RateLimitLease lease)
        {
            return lease.IsAcquired ? Decision.NotLimited : Decision.Refused;
        }

        return Decision.Count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _perClient?.Dispose();
        }

        base.Dispose(disposing);
    }

    private enum Decision
    {
        NotLimited,
        Count,
        Refused,
    }
}

using System.Threading.RateLimiting;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// Bounds the auth service calls of cache misses, per client and in total, with two framework
/// <see cref="ConcurrencyLimiter"/>s (one per client through a <see cref="PartitionedRateLimiter{TResource}"/>,
/// one for the replica): a miss waits briefly (<see cref="LookupAdmissionOptions.QueueTimeout"/>)
/// for a slot, then is refused. Floods of unknown credentials therefore cannot saturate the auth
/// service or trip its breaker for everyone, and one client cannot take every slot.
/// </summary>
internal sealed class LookupAdmission : IDisposable
{
    private readonly LookupAdmissionOptions _options;
    private readonly PartitionedRateLimiter<string> _perClient;
    private readonly ConcurrencyLimiter _total;
    private int _inFlight;

    public LookupAdmission(IOptions<LookupAdmissionOptions> options, ProxyMetrics metrics)
    {
        _options = options.Value;
        var perClient = new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.MaxConcurrentPerClient,
            QueueLimit = _options.PerClientQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        };
        _perClient = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetConcurrencyLimiter(client, _ => perClient));
        _total = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.MaxConcurrent,
            QueueLimit = _options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        metrics.Meter.CreateObservableGauge(
            "gateway.proxy.auth_service.lookups_in_flight", () => Volatile.Read(ref _inFlight), "{call}", "Cache misses being validated by the auth service.");
    }

    /// <summary>Lookups admitted and not yet finished on this replica.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>A slot for one lookup by <paramref name="client"/>, or the reason there is none.</summary>
    public async ValueTask<Ticket> EnterAsync(string client, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.QueueTimeout);

        var clientLease = await AcquireAsync(_perClient.AcquireAsync(client, 1, timeout.Token), cancellationToken);
        if (!clientLease.IsAcquired)
        {
            clientLease.Dispose();
            return new Ticket(null, null, LookupRefusal.ClientBusy, this);
        }

        var totalLease = await AcquireAsync(_total.AcquireAsync(1, timeout.Token), cancellationToken);
        if (!totalLease.IsAcquired)
        {
            totalLease.Dispose();
            clientLease.Dispose();
            return new Ticket(null, null, LookupRefusal.Busy, this);
        }

        Interlocked.Increment(ref _inFlight);
        return new Ticket(clientLease, totalLease, LookupRefusal.None, this);
    }

    /// <summary>
    /// A slot only if one of the client's and one of the replica's is free right now (no queue:
    /// a limiter with waiters refuses, so this never goes ahead of a miss that waits).
    /// </summary>
    public Ticket TryEnter(string client)
    {
        var clientLease = _perClient.AttemptAcquire(client);
        if (!clientLease.IsAcquired)
        {
            clientLease.Dispose();
            return new Ticket(null, null, LookupRefusal.ClientBusy, this);
        }

        var totalLease = _total.AttemptAcquire();
        if (!totalLease.IsAcquired)
        {
            totalLease.Dispose();
            clientLease.Dispose();
            return new Ticket(null, null, LookupRefusal.Busy, this);
        }

        Interlocked.Increment(ref _inFlight);
        return new Ticket(clientLease, totalLease, LookupRefusal.None, this);
    }

    /// <summary>The lease, or a refusal when the wait ran out (the caller's own cancellation still throws).</summary>
    private static async ValueTask<RateLimitLease> AcquireAsync(ValueTask<RateLimitLease> acquire, CancellationToken callerToken)
    {
        try
        {
            return await acquire;
        }
        catch (OperationCanceledException) when (!callerToken.IsCancellationRequested)
        {
            return Refused.Instance;
        }
    }

    private void Leave() => Interlocked.Decrement(ref _inFlight);

    public void Dispose()
    {
        _perClient.Dispose();
        _total.Dispose();
    }

    /// <summary>
    /// One admitted lookup (dispose when the auth service has answered), or a refusal. Held by the
    /// lookup itself, not by the request that started it: a client that hangs up does not free the
    /// slot of a call still in flight.
    /// </summary>
    internal sealed class Ticket(RateLimitLease? client, RateLimitLease? total, LookupRefusal refusal, LookupAdmission owner) : IDisposable
    {
        private int _disposed;

        public LookupRefusal Refusal { get; } = refusal;

        public bool Admitted => Refusal == LookupRefusal.None;

        public void Dispose()
        {
            if (!Admitted || Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            total!.Dispose();
            client!.Dispose();
            owner.Leave();
        }
    }

    private sealed class Refused : RateLimitLease
    {
        public static readonly Refused Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}

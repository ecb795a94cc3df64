using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// Settings of the <c>Gateway:AuthService:Lookups</c> section: how many cache misses one replica
/// sends to the auth service at once, in total and per client (see <see cref="LookupAdmission"/>).
/// </summary>
internal sealed class LookupAdmissionOptions
{
    public const string SectionName = "Gateway:AuthService:Lookups";

    /// <summary>
    /// <c>ValidateToken</c> calls in flight from this replica. The auth service answers ~7,000 calls
    /// per second at 32 in flight on the benchmark machine (bench/auth-grpc.sh after issue 16; 1,761
    /// on 2026-11-28); more in flight only queues there, behind the deadline, and trips
    /// the breaker for everyone.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrent { get; set; } = 32;

    /// <summary>Misses waiting for one of <see cref="MaxConcurrent"/>; beyond it they are refused at once.</summary>
    [Range(0, 100_000)]
    public int QueueLimit { get; set; } = 1_024;

    /// <summary>
    /// Calls in flight for one client (address group, see <c>Gateway:Forwarding</c>), so that one client
    /// cannot take every slot. Several users behind one NAT share it; their misses queue, briefly.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentPerClient { get; set; } = 8;

    /// <summary>One client's misses waiting for one of its <see cref="MaxConcurrentPerClient"/>.</summary>
    [Range(0, 100_000)]
    public int PerClientQueueLimit { get; set; } = 256;

    /// <summary>
    /// Longest a miss waits for a slot before it is refused: 429 when its client's slots were busy,
    /// 503 when the replica's were (both with <c>Retry-After</c>). Two seconds: on bench/cold-start.sh
    /// (a fresh auth service and two fresh proxies, 200 users from the moment /health is Healthy)
    /// a 1 s wait refused 16 of 18,000 first-minute requests with 503 Busy while no call failed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

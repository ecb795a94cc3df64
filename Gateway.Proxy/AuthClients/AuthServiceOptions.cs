using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.AuthClients;

/// <summary>Where the auth service is and how long the proxy waits for it (<c>Gateway:AuthService</c>).</summary>
internal sealed class AuthServiceOptions
{
    public const string SectionName = "Gateway:AuthService";

    /// <summary>
    /// The auth service's gRPC address. <c>_grpc.auth</c> asks service discovery for the
    /// <c>grpc</c> (h2c) endpoint of the <c>auth</c> resource.
    /// </summary>
    public Uri Address { get; set; } = new("http://_grpc.auth");

    /// <summary>Deadline of account calls (register, login, keys); password hashing takes a few hundred ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan AccountCallDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Deadline of one <c>ValidateToken</c> call on a cache miss. A call costs the auth service
    /// ~70 µs of CPU and answers in 1-3 ms on a healthy system, but a proxy whose own core is
    /// saturated sees its answers late: on bench/tenants.sh (ten processes sharing one core, 10,000
    /// cold keys) 89 of one replica's first 136 calls missed a 300 ms deadline, the breaker stayed
    /// open for whole warm-up passes and 62% of the requests got 503 although the service was up.
    /// One second keeps a miss's worst wait (with the lookup queue's
    /// <see cref="Authentication.LookupAdmissionOptions.QueueTimeout"/>, 2 s) a few seconds at most;
    /// a dead service is the breaker's job.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan ValidateDeadline { get; set; } = TimeSpan.FromSeconds(1);

    [Required]
    public BreakerOptions Breaker { get; set; } = new();
}

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using Gateway.Proxy.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Bench.Micro;

/// <summary>
/// The rate limiter's local decisions, the ones that cost no Redis round trip: a key that Redis
/// said is over its limit (refused locally until it may retry), and a batched slice hit (a permit
/// spent from quota reserved earlier). The limiter's state is primed through its private fields
/// (reflection, in the setup only): both paths would otherwise need a Redis answer first. The
/// Redis store is never called on these paths, so it is an uninitialised object.
/// </summary>
[MemoryDiagnoser]
public class RateLimiterBenchmarks
{
    private ServiceProvider? _services;
    private DistributedRateLimiter? _blocked;
    private DistributedRateLimiter? _slice;
    private DistributedRateLimiter? _sliceNoContext;
    private readonly DefaultHttpContext _request = new();

    [GlobalSetup]
    public void Setup()
    {
        (var metrics, _services) = Shared.CreateMetrics();
        var store = (RedisRateLimitStore)RuntimeHelpers.GetUninitializedObject(typeof(RedisRateLimitStore));
        _blocked = new DistributedRateLimiter(Spec(RateLimitMode.Strict, 1), store, TimeProvider.System, metrics);
        SetField(_blocked, "_blockedUntil", long.MaxValue);

        _slice = new DistributedRateLimiter(Spec(RateLimitMode.Batched, 50), store, TimeProvider.System, metrics);
        _sliceNoContext = new DistributedRateLimiter(Spec(RateLimitMode.Batched, 50), store, TimeProvider.System, metrics);
        foreach (var limiter in new[] { _slice, _sliceNoContext })
        {
            // A slice that neither runs out nor expires during the run.
            SetField(limiter, "_sliceExpires", long.MaxValue);
            SetField(limiter, "_sliceTokens", int.MaxValue);
            SetField(limiter, "_remaining", 1_000_000);
        }

        if (Acquire(_blocked, _request).IsAcquired || !Acquire(_slice, _request).IsAcquired || !Acquire(_sliceNoContext, null).IsAcquired
            || _request.Response.Headers[RateLimitHeaders.Remaining].Count != 1)
        {
            throw new InvalidOperationException("the limiters were not primed as intended");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services?.Dispose();

    [Benchmark(Description = "AcquireAsync, key blocked locally (rejected, no Redis)")]
    public bool BlockedLocally() => Acquire(_blocked!, _request).IsAcquired;

    [Benchmark(Description = "AcquireAsync, batched slice hit, headers written")]
    public bool SliceHit() => Acquire(_slice!, _request).IsAcquired;

    [Benchmark(Description = "AcquireAsync, batched slice hit, no HttpContext")]
    public bool SliceHitNoContext() => Acquire(_sliceNoContext!, null).IsAcquired;

    /// <summary>As the ASP.NET middleware's partition callback does, hands the request over first.</summary>
    private static RateLimitLease Acquire(DistributedRateLimiter limiter, HttpContext? request)
    {
        if (request is not null)
        {
            LimitedRequest.Set(request, limiter);
        }

        var pending = limiter.AcquireAsync(1, CancellationToken.None);
        // Both paths complete synchronously; anything else would be a Redis call.
        if (!pending.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the decision was not local");
        }

        using var lease = pending.Result;
        return lease;
    }

    private static RateLimitSpec Spec(RateLimitMode mode, int batch) =>
        new("bench", "0b5a6f1e-5a7e-4c1e-9d0e-3f2a1b4c5d6e", 2_000_000_000, 60, mode, batch, 1000, RateLimitFailMode.Local, 1);

    private static void SetField<T>(DistributedRateLimiter limiter, string name, T value) =>
        (typeof(DistributedRateLimiter).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"DistributedRateLimiter has no field {name}")).SetValue(limiter, value);
}

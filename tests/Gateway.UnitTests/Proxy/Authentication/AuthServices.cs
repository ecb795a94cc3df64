using Gateway.Proxy.Authentication;
using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>
/// The proxy's authentication services as it registers them, around a validator and a clock of the
/// test's choosing: cache, lookups (single flight, admission), the cached fast path.
/// </summary>
internal static class AuthServices
{
    public static ServiceProvider Build(
        IAuthValidator validator,
        TimeProvider time,
        Action<AuthCacheOptions>? cache = null,
        Action<LookupAdmissionOptions>? admission = null)
    {
        var builder = Host.CreateApplicationBuilder();
        Register(builder, validator, time, cache, admission);
        return builder.Services.BuildServiceProvider();
    }

    /// <summary>The same services on a host of the test's own (a WebApplication serving on loopback).</summary>
    public static void Register(
        IHostApplicationBuilder builder,
        IAuthValidator validator,
        TimeProvider time,
        Action<AuthCacheOptions>? cache = null,
        Action<LookupAdmissionOptions>? admission = null)
    {
        builder.AddClientAddresses();
        builder.Services
            .AddMetrics()
            .AddOptions()
            .Configure<AuthCacheOptions>(cache ?? (_ => { }))
            .Configure<LookupAdmissionOptions>(admission ?? (_ => { }))
            .AddSingleton<ProxyMetrics>()
            .AddSingleton(validator)
            .AddSingleton(time)
            .AddSingleton<LookupAdmission>()
            .AddSingleton<AuthCache>()
            // No failed-credential policy configured: the limiter never needs its partitioner.
            .AddSingleton(new FailedCredentialLimiter(Options.Create(new RateLimitingOptions()), partitioner: null!))
            .AddSingleton<CredentialLookups>()
            .AddSingleton<CachedAuthentication>();
    }
}

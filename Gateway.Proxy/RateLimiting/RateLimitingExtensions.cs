using System.Globalization;
using System.Threading.RateLimiting;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Gateway.ServiceDefaults.ClientAddresses;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Proxy.RateLimiting;

internal static class RateLimitingExtensions
{
    /// <summary>
    /// Registers every configured policy on ASP.NET Core's <see cref="RateLimiterOptions"/>; YARP
    /// routes attach them through <c>RouteConfig.RateLimiterPolicy</c> (unknown names fail at
    /// start-up). Each policy partitions requests by user, credential or client address and gives
    /// each partition a <see cref="DistributedRateLimiter"/>.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayRateLimiting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitingOptions>()
            .BindConfiguration(RateLimitingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddRedisRateLimitStore();
        builder.Services.AddSingleton<DistributedRateLimiterFactory>();
        builder.Services.AddSingleton<PartitionLimiters>();
        builder.Services.AddSingleton<RateLimitPartitioner>();

        // Policy names are needed at registration; limits are read per request (plans come with the caller).
        var configured = builder.Configuration.GetSection(RateLimitingOptions.SectionName).Get<RateLimitingOptions>() ?? new RateLimitingOptions();

        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = OnRejectedAsync;
        });

        // The policies call the singleton partitioner directly: resolving it through
        // HttpContext.RequestServices would create a DI scope for every request.
        builder.Services.AddSingleton<FailedCredentialLimiter>();
        builder.Services.AddOptions<RateLimiterOptions>().Configure<RateLimitPartitioner, FailedCredentialLimiter>((options, partitioner, failedCredentials) =>
        {
            foreach (var name in configured.Policies.Keys)
            {
                options.AddPolicy(name, context => partitioner.Partition(context, name));
            }

            if (failedCredentials.Enabled)
            {
                options.GlobalLimiter = failedCredentials;
            }
        });

        return builder;
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var response = http.Response;
        var lease = context.Lease as GatewayRateLimitLease;
        var retryAfter = Math.Max(1, (int)Math.Ceiling((lease?.RetryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds));
        response.Headers[HeaderNames.RetryAfter] = retryAfter.ToString(CultureInfo.InvariantCulture);

        string detail;
        if (lease is { Unavailable: true })
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            detail = "Rate limiting is temporarily unavailable and this route fails closed. Retry later.";
        }
        else
        {
            response.StatusCode = StatusCodes.Status429TooManyRequests;
            detail = "Rate limit exceeded. Retry after the number of seconds in Retry-After.";
            if (lease?.Limiter is { } limiter)
            {
                RateLimitHeaders.Write(response.Headers, limiter, 0, Math.Max(retryAfter, limiter.ResetSeconds(TimeProvider.System.GetTimestamp())));
            }
        }

        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = response.StatusCode, Detail = detail },
        });
    }

}

/// <summary>Identifies one limiter: the policy, who, and the limit that applies (a plan change makes a new key).</summary>
internal readonly record struct PartitionKey(string Policy, string Id, int Limit, int WindowSeconds, RateLimitMode Mode, RateLimitFailMode FailMode);

/// <summary>
/// Chooses the partition of each request: per user or credential (limit from the caller's plan
/// unless the policy fixes one), or per client address. Resolved once per request; its
/// dependencies are held here, not looked up per call, and choosing allocates nothing once the
/// partition's limiter exists.
/// </summary>
internal sealed class RateLimitPartitioner(IOptionsMonitor<RateLimitingOptions> options, ClientAddressResolver clients, PartitionLimiters limiters)
{
    /// <summary>Requests no limiter of the policy counts (see <see cref="Partition"/>).</summary>
    private static readonly RateLimitPartition<string> NotLimited = RateLimitPartition.GetNoLimiter(string.Empty);

    private static readonly Func<string, RateLimiter> PolicyLimiterFactory = _ => PolicyLimiter.Instance;

    /// <summary>
    /// The partition ASP.NET's middleware sees: one per policy (its <see cref="PolicyLimiter"/>),
    /// with the request's own limiter handed to it (see <see cref="PartitionLimiters"/> for why).
    /// </summary>
    public RateLimitPartition<string> Partition(HttpContext context, string policyName)
    {
        if (LimiterOf(context, policyName) is not { } limiter)
        {
            return NotLimited;
        }

        LimitedRequest.Set(context, limiter);
        return RateLimitPartition.Get(policyName, PolicyLimiterFactory);
    }

    /// <summary>The limiter that counts <paramref name="context"/> under the policy, or null when none does.</summary>
    private RateLimiter? LimiterOf(HttpContext context, string policyName)
    {
        // A credential that could not be checked (auth service unavailable, lookup refused because
        // slots were busy) on a route that needs one: the challenge answers it (503 or 429 with
        // Retry-After). Limiting it as anonymous traffic of its address would spend a bucket that
        // belongs to nobody it is, and turn "try again shortly" into a 429 for everyone there.
        if (GatewayAuthentication.IsUndecided(context) && RequiresAuthentication(context))
        {
            return null;
        }

        var settings = options.CurrentValue;
        var policy = settings.Policies[policyName];
        var mode = policy.Mode ?? settings.Mode;

        PartitionKey key;
        if (context.User is GatewayPrincipal caller && policy.Partition != PartitionBy.ClientIp)
        {
            var limit = policy.Limit ?? caller.RequestsPerWindow;
            var window = policy.Limit is null ? caller.WindowSeconds : policy.WindowSeconds;
            key = policy.Partition == PartitionBy.ApiKey
                ? new PartitionKey(policyName, caller.CredentialTag, limit, window, mode, policy.FailMode)
                : new PartitionKey(policyName, caller.UserId, limit, window, mode, policy.FailMode);
        }
        else
        {
            var address = clients.Key(context);
            var limit = policy.Partition == PartitionBy.ClientIp ? policy.Limit ?? policy.AnonymousLimit : policy.AnonymousLimit;
            key = new PartitionKey(policyName, "ip:" + address, limit, policy.WindowSeconds, mode, policy.FailMode);
        }

        return limiters.Get(key);
    }

    /// <summary>The endpoint authorizes its callers (a YARP route with a policy other than <c>anonymous</c>).</summary>
    private static bool RequiresAuthentication(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata
        && metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is null
        && metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>() is not null;
}

/// <summary>Creates the limiter of a partition.</summary>
internal sealed class DistributedRateLimiterFactory(RedisRateLimitStore store, TimeProvider time, ProxyMetrics metrics, RateLimitSync sync)
{
    public DistributedRateLimiter Create(PartitionKey key, RateLimitingOptions settings)
    {
        var cap = key.Mode == RateLimitMode.Batched
            ? Math.Clamp(key.Limit / (settings.Replicas * settings.BatchDivisor), 1, settings.MaxBatchSize)
            : 1;
        var spec = new RateLimitSpec(key.Policy, key.Id, key.Limit, key.WindowSeconds, key.Mode, cap, settings.MaxBatchSize, key.FailMode, settings.Replicas)
        {
            SliceTarget = settings.SliceTarget,
            Refundable = key.Policy == settings.FailedCredentialPolicy,
        };
        return new DistributedRateLimiter(spec, store, time, metrics, sync);
    }
}

using System.Globalization;
using Microsoft.AspNetCore.RateLimiting;
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

    /// <summary>Every refusal by a gateway policy: 429 (or 503 when a fail-closed policy cannot decide), Retry-After, the limit headers, a problem body.</summary>
    internal static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
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

namespace Gateway.Proxy.Hosts;

/// <summary>
/// ASP.NET's host filtering (<c>AllowedHosts</c>, reloadable), moved inside the problem-details
/// error handling so that a refused <c>Host</c> gets a 400 problem like every other gateway error,
/// and kept off the health endpoints, which orchestrators probe by pod IP or service name.
/// </summary>
internal static class HostFilteringExtensions
{
    /// <summary>
    /// The full name of the startup filter with which <c>WebApplication.CreateBuilder</c> puts host
    /// filtering first in the pipeline, before any error handling (a bare 400 then). Internal to
    /// ASP.NET: <c>HostFilteringExtensionsTests</c> fails if an upgrade renames it, and start-up
    /// throws rather than run host filtering twice.
    /// </summary>
    internal const string FrameworkStartupFilter = "Microsoft.AspNetCore.HostFilteringStartupFilter";

    public static IHostApplicationBuilder AddGatewayHostFiltering(this IHostApplicationBuilder builder)
    {
        var framework = builder.Services
            .Where(d => d.ServiceType == typeof(IStartupFilter) && d.ImplementationType?.FullName == FrameworkStartupFilter)
            .ToList();
        if (framework.Count == 0)
        {
            throw new InvalidOperationException(
                $"ASP.NET's host filtering startup filter ({FrameworkStartupFilter}) was not found; the gateway places host filtering itself (UseGatewayHostFiltering).");
        }

        framework.ForEach(d => builder.Services.Remove(d));

        // No body from the middleware: the status code pages then write the problem details.
        // (AllowedHosts itself is bound from configuration by the web host defaults.)
        builder.Services.AddHostFiltering(options => options.IncludeFailureMessage = false);
        return builder;
    }

    /// <summary>Host filtering for every request but the health probes (<c>/health</c>, <c>/alive</c>), which say nothing about a host.</summary>
    public static IApplicationBuilder UseGatewayHostFiltering(this IApplicationBuilder app) =>
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments(Microsoft.Extensions.Hosting.Extensions.HealthEndpointPath)
                && !context.Request.Path.StartsWithSegments(Microsoft.Extensions.Hosting.Extensions.AlivenessEndpointPath),
            branch => branch.UseHostFiltering());
}

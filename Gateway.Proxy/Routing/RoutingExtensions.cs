namespace Gateway.Proxy.Routing;

internal static class RoutingExtensions
{
    /// <summary><see cref="RoutingOptions"/> (the route overlap check itself is part of every version's validation).</summary>
    public static IHostApplicationBuilder AddGatewayRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoutingOptions>()
            .BindConfiguration(RoutingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        return builder;
    }

    /// <summary>Rejects (or redirects) request paths with escaped slashes, per <see cref="RoutingOptions.EscapedSlashes"/>.</summary>
    public static IApplicationBuilder UseEscapedSlashCheck(this IApplicationBuilder app) => app.UseMiddleware<EscapedSlashMiddleware>();
}

namespace Gateway.Proxy.Limits;

internal static class RequestLimitsExtensions
{
    public static IHostApplicationBuilder AddRequestLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestLimitsOptions>()
            .BindConfiguration(RequestLimitsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }

    /// <summary>Gives an endpoint group the <c>/auth</c> body limit of <see cref="RequestLimitsOptions"/>.</summary>
    public static TBuilder WithAccountsBodyLimit<TBuilder>(this TBuilder endpoints, IServiceProvider services)
        where TBuilder : IEndpointConventionBuilder
    {
        var limit = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RequestLimitsOptions>>().Value.AccountsMaxBodyBytes;
        return endpoints.WithMetadata(new RequestBodySizeLimit(limit));
    }
}

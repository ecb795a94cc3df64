using Gateway.Auth.V1;

namespace Gateway.Proxy.AuthService;

internal sealed class AuthServiceOptions
{
    public const string SectionName = "Gateway:AuthService";

    /// <summary>
    /// The auth service's gRPC address. <c>_grpc.auth</c> asks service discovery for the
    /// <c>grpc</c> (h2c) endpoint of the <c>auth</c> resource.
    /// </summary>
    public Uri Address { get; set; } = new("http://_grpc.auth");

    /// <summary>Deadline of account calls (register, login, keys); password hashing takes a few hundred ms.</summary>
    public TimeSpan AccountCallDeadline { get; set; } = TimeSpan.FromSeconds(10);
}

internal static class AuthServiceExtensions
{
    public static IHostApplicationBuilder AddAuthServiceClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthServiceOptions>().BindConfiguration(AuthServiceOptions.SectionName);
        var address = builder.Configuration.GetSection(AuthServiceOptions.SectionName).Get<AuthServiceOptions>()?.Address
            ?? new AuthServiceOptions().Address;

        // No generic HTTP retry handler on gRPC: Login and Register are not idempotent, and a retry
        // storm against a struggling auth service is what the proxy's own breaker prevents.
        // (RemoveAllResilienceHandlers is marked experimental; it is the documented way to undo
        // ConfigureHttpClientDefaults for one client.)
#pragma warning disable EXTEXP0001
        builder.Services.AddGrpcClient<Gateway.Auth.V1.AuthService.AuthServiceClient>(o => o.Address = address)
            .RemoveAllResilienceHandlers();
        builder.Services.AddGrpcClient<AdminService.AdminServiceClient>(o => o.Address = address)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        return builder;
    }
}

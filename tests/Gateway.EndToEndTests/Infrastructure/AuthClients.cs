using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Gateway.Auth.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>Real gRPC (h2c) clients of the running auth service, plus helpers to create users.</summary>
public sealed class AuthClients : IDisposable
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private readonly GrpcChannel _channel;

    public AuthClients(DistributedApplication app)
    {
        _channel = GrpcChannel.ForAddress(app.GetEndpoint("auth", "grpc"));
        Auth = new AuthService.AuthServiceClient(_channel);
        Admin = new AdminService.AdminServiceClient(_channel);
        Dashboard = new DashboardService.DashboardServiceClient(_channel);
        Config = new ConfigService.ConfigServiceClient(_channel);
    }

    public AuthService.AuthServiceClient Auth { get; }

    public AdminService.AdminServiceClient Admin { get; }

    public DashboardService.DashboardServiceClient Dashboard { get; }

    public ConfigService.ConfigServiceClient Config { get; }

    public static DateTime Deadline() => DateTime.UtcNow.Add(CallTimeout);

    public static string NewUserName(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}"[..32];

    public static string NewPassword() => $"pw-{Guid.NewGuid():N}";

    /// <summary>Registers a fresh user and logs in; returns the name, password and token.</summary>
    public async Task<(string UserName, string Password, LoginResponse Login)> NewLoggedInUserAsync()
    {
        var userName = NewUserName();
        var password = NewPassword();
        await Auth.RegisterAsync(new RegisterRequest { UserName = userName, Password = password }, deadline: Deadline());
        var login = await Auth.LoginAsync(new LoginRequest { UserName = userName, Password = password }, deadline: Deadline());
        return (userName, password, login);
    }

    /// <summary>Logs in as the run-mode demo admin (password: the AppHost's demo-password parameter).</summary>
    public async Task<string> AdminTokenAsync(DistributedApplication app)
    {
        var password = await DemoPasswordAsync(app);
        var login = await Auth.LoginAsync(new LoginRequest { UserName = "admin", Password = password }, deadline: Deadline());
        return login.AccessToken;
    }

    public static Task<string> DemoPasswordAsync(DistributedApplication app) => AppResources.ParameterAsync(app, "demo-password");

    public static async Task<RpcException> ThrowsRpcAsync(Func<Task> call)
    {
        var exception = await Assert.ThrowsAsync<RpcException>(call);
        return exception;
    }

    public void Dispose() => _channel.Dispose();
}

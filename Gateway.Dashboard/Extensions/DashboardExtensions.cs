using Gateway.Auth.V1;
using Gateway.Dashboard.Aggregation;
using Gateway.Dashboard.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard;

internal static class DashboardExtensions
{
    /// <summary>Who may see the dashboard: an auth-service admin, or the operator key holder.</summary>
    public const string ViewerPolicy = "dashboard-viewer";

    /// <summary>Snapshot aggregation, the frame loop and fan-out, health probes.</summary>
    public static IHostApplicationBuilder AddDashboardAggregation(this IHostApplicationBuilder builder)
    {
        builder.AddRedisClient("redis", settings => settings.DisableHealthChecks = true, configureOptions: redis => redis.AbortOnConnectFail = false);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<AggregatorOptions>().BindConfiguration(AggregatorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<StreamOptions>().BindConfiguration(StreamOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<HealthMonitorOptions>().BindConfiguration(HealthMonitorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ReplicaAggregator>();
        builder.Services.AddSingleton<FrameBroadcaster>();
        builder.Services.AddSingleton<ServiceHealthMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ServiceHealthMonitor>());
        builder.Services.AddHostedService<SnapshotSubscriber>();
        builder.Services.AddHostedService<FrameLoop>();

        // A probe must answer within its own timeout: no retries, no hedging.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is the documented way to opt one client out of the defaults.
        builder.Services.AddHttpClient(ServiceHealthMonitor.HttpClientName, (sp, client) =>
                client.BaseAddress = sp.GetRequiredService<IOptions<HealthMonitorOptions>>().Value.AuthAddress)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return builder;
    }

    /// <summary>Cookie sign-in for admins (checked through the auth service) and operators.</summary>
    public static IHostApplicationBuilder AddDashboardSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardSecurityOptions>().BindConfiguration(DashboardSecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var security = builder.Configuration.GetSection(DashboardSecurityOptions.SectionName).Get<DashboardSecurityOptions>() ?? new();

#pragma warning disable EXTEXP0001 // Login is not idempotent: no generic HTTP retries on the gRPC client.
        builder.Services.AddGrpcClient<AuthService.AuthServiceClient>(o => o.Address = security.AuthServiceAddress)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddScoped<DashboardSignIn>();
        // Sign-in failures are throttled per client by the auth service: the same client key as the proxy's.
        builder.AddClientAddresses();

        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "gateway-dashboard";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = security.SessionLifetime;
                cookie.SlidingExpiration = true;
                cookie.LoginPath = "/login";
                cookie.AccessDeniedPath = "/login";
                // The API answers with a status code; only pages redirect to the login form.
                cookie.Events.OnRedirectToLogin = context => Challenge(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => Challenge(context, StatusCodes.Status403Forbidden);
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ViewerPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(security.AdminRole, DashboardSignIn.OperatorRole));
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddProblemDetails();
        builder.Services.AddRazorComponents();
        return builder;
    }

    public static WebApplication UseDashboardPipeline(this WebApplication app)
    {
        app.UseProblemDetailsErrors();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    private static Task Challenge(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/account"))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

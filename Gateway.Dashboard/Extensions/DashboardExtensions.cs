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

    /// <summary>
    /// The session cookie's name. Not <c>__Host-</c>: browsers refuse such a cookie without Secure,
    /// and the dashboard is also served over plain HTTP (run mode, tests). The cookie is host-only
    /// (no Domain), Path=/, HttpOnly, SameSite=Strict and Secure on HTTPS; a planted cookie cannot
    /// fix a session, because signing in never reuses a session id (AccountApi).
    /// </summary>
    public const string CookieName = "gateway-dashboard";

    /// <summary>Snapshot aggregation, the frame loop and fan-out, health probes, the configuration history.</summary>
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
        builder.Services.AddOptions<ConfigHistoryOptions>().BindConfiguration(ConfigHistoryOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConfigHistoryMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConfigHistoryMonitor>());
        builder.Services.AddHostedService<SnapshotSubscriber>();
        builder.Services.AddHostedService<FrameLoop>();

        // A probe must answer within its own timeout: no retries, no hedging.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is the documented way to opt one client out of the defaults.
        builder.Services.AddHttpClient(ServiceHealthMonitor.HttpClientName, (sp, client) =>
                client.BaseAddress = sp.GetRequiredService<IOptions<HealthMonitorOptions>>().Value.AuthAddress)
            .RemoveAllResilienceHandlers();

        // The auth service's gRPC address is the one the sign-in clients use (one setting for one
        // service). No generic HTTP retries on a gRPC call, as for those clients: the monitor's
        // call has its deadline, and its loop is the retry.
        builder.Services.AddGrpcClient<ConfigService.ConfigServiceClient>((sp, client) =>
                client.Address = sp.GetRequiredService<IOptions<DashboardSecurityOptions>>().Value.AuthServiceAddress)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return builder;
    }

    /// <summary>
    /// Cookie sign-in for admins (checked through the auth service) and operators, with the session
    /// kept server side in Redis (<see cref="RedisTicketStore"/>): idle timeout, absolute lifetime,
    /// revocation at sign-out, admins re-checked with the auth service (<see cref="SessionValidator"/>).
    /// </summary>
    public static IHostApplicationBuilder AddDashboardSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardSecurityOptions>().BindConfiguration(DashboardSecurityOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var security = builder.Configuration.GetSection(DashboardSecurityOptions.SectionName).Get<DashboardSecurityOptions>() ?? new();

#pragma warning disable EXTEXP0001 // Login is not idempotent: no generic HTTP retries on the gRPC clients; each call has its deadline.
        builder.Services.AddGrpcClient<AuthService.AuthServiceClient>(o => o.Address = security.AuthServiceAddress)
            .RemoveAllResilienceHandlers();
        builder.Services.AddGrpcClient<DashboardService.DashboardServiceClient>(o => o.Address = security.AuthServiceAddress)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddScoped<DashboardSignIn>();
        // Sign-in failures are throttled per client by the auth service: the same client key as the proxy's.
        builder.AddClientAddresses();
        builder.AddGatewayTls();

        builder.Services.AddSingleton<IAdminStandingSource, AuthServiceAdminStanding>();
        builder.Services.AddSingleton<SessionValidator>();
        builder.Services.AddSingleton<RedisTicketStore>();
        builder.Services.AddSingleton<DashboardSessions>();
        builder.Services.AddSingleton<DashboardCookieEvents>();
        builder.Services.AddSingleton<SessionWatch>();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                // Secure whenever the request is HTTPS, directly or as a trusted proxy's X-Forwarded-Proto says (UseTrustedForwardedProto).
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                // The ticket's expiry is the absolute end: never slid, never refreshed (AccountApi
                // signs in with AllowRefresh = false). Idleness is the Redis key's time to live.
                cookie.ExpireTimeSpan = security.AbsoluteLifetime;
                cookie.SlidingExpiration = false;
                cookie.LoginPath = "/login";
                cookie.AccessDeniedPath = "/login";
                cookie.EventsType = typeof(DashboardCookieEvents);
            });
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<RedisTicketStore>((cookie, store) => cookie.SessionStore = store);
        builder.Services.AddHsts(hsts => hsts.MaxAge = TimeSpan.FromDays(365));
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ViewerPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(security.AdminRole, DashboardSignIn.OperatorRole));
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddProblemDetails();
        builder.Services.AddRazorComponents();
        return builder;
    }

    public static WebApplication UseDashboardPipeline(this WebApplication app)
    {
        // First: everything after it (HSTS, the cookie's Secure flag) reads the scheme it sets.
        app.UseTrustedForwardedProto();
        // Only on HTTPS responses, and not for localhost (the middleware's default exclusions).
        app.UseHsts();
        app.UseProblemDetailsErrors();
        app.UseStaticFiles();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }
}

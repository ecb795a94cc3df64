using Gateway.AppHost.Infrastructure;
using Gateway.AppHost.Listeners;
using Gateway.Contracts.Redis;

namespace Gateway.AppHost;

internal static class ProjectExtensions
{
    /// <summary>The proxy's run-mode host names (as in its appsettings.json).</summary>
    public const string LoopbackHosts = "localhost;*.localhost;127.0.0.1;[::1]";

    /// <summary>
    /// Connects the project to Redis as its own ACL user (<see cref="RedisUsers"/>): the connection
    /// string <c>redis</c> its client integration reads, with that user's name and password, and
    /// waits for the Redis the AppHost runs (an external one is the operator's to have ready).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithRedisUser(
        this IResourceBuilder<ProjectResource> project, GatewayInfrastructure infrastructure, RedisUser user)
    {
        project.WithEnvironment($"ConnectionStrings__{ResourceNames.Redis}", infrastructure.RedisConnectionFor(user));
        return infrastructure.Redis is { } redis ? project.WaitFor(redis) : project;
    }

    /// <summary>
    /// In run mode, serves the project's <c>http</c> endpoint directly on a free loopback port, not
    /// behind DCP's proxy. DCP's proxy keeps accepting connections for a process that has died, so
    /// callers of a crashed backend hang until their own timeout (the gateway's 5 s backend
    /// timeout, then 504) instead of meeting a refused connection: 502 at once, the request retried
    /// on another destination when safe, and the destination ejected by passive health checks.
    /// Same reasoning as Redis and PostgreSQL on the executables path (see FreePort).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDirectHttpEndpoint(this IResourceBuilder<ProjectResource> project)
    {
        if (project.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            var port = FreePort.Next();
            project.WithEndpoint("http", endpoint =>
            {
                endpoint.IsProxied = false;
                endpoint.Port = port;
                endpoint.TargetPort = port;
            });
        }

        return project;
    }

    /// <summary>
    /// Serves gRPC on its own HTTP/2-only (h2c) endpoint named <c>grpc</c>, and health checks on the
    /// HTTP/1 <c>http</c> endpoint: without TLS a listener cannot offer both protocols, and Aspire's
    /// HTTP health check only speaks HTTP/1. Kestrel takes both from configuration.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGrpcEndpoint(this IResourceBuilder<ProjectResource> project)
    {
        project.WithHttpEndpoint(name: ResourceNames.GrpcEndpoint, env: "GRPC_PORT");
        if (project.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            // Not behind DCP's proxy (see WithDirectHttpEndpoint): with the service down, calls
            // must meet a refused connection (UNAVAILABLE at once), not hang until their deadline.
            var port = FreePort.Next();
            project.WithEndpoint(ResourceNames.GrpcEndpoint, endpoint =>
            {
                endpoint.IsProxied = false;
                endpoint.Port = port;
                endpoint.TargetPort = port;
            });
        }

        return project
            .WithKestrelListener(ResourceNames.GrpcEndpoint, "Http2")
            .WithKestrelListener("http", "Http1");
    }

    /// <summary>
    /// Run mode only: demo users <c>demo</c> and <c>admin</c> whose password is the generated,
    /// persisted secret parameter <c>demo-password</c> (shown in the Aspire dashboard's parameters,
    /// or by <c>dotnet user-secrets list --project Gateway.AppHost</c>), so F5 works out of the box
    /// and nothing secret is in the repository.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDemoUsers(
        this IResourceBuilder<ProjectResource> project, IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return project;
        }

        // 16 generated characters, above the auth service's 12-character minimum for new passwords
        // (Auth:Passwords:MinLength); a shorter value set by hand stops the auth service at start-up.
        var password = builder.AddParameter(
            "demo-password", new GenerateParameterDefault { MinLength = 16, Special = false }, secret: true, persist: true);
        return project.WithEnvironment("Auth__Demo__Password", password);
    }

    /// <summary>
    /// The proxy's <c>AllowedHosts</c> (host names it answers to; a refused <c>Host</c> gets a 400
    /// problem, the health endpoints answer any). Run mode: the proxy's own default, the loopback
    /// names Aspire serves it on (<c>localhost</c>, <c>*.localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c>),
    /// plus <c>Gateway:ProxyAllowedHosts</c> when set (e.g. a LAN name). Publish mode: the
    /// parameter <c>proxy-allowed-hosts</c> (the deployment's public host names, ';'-separated),
    /// which the deployer must supply: there is no safe guess for it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAllowedHosts(
        this IResourceBuilder<ProjectResource> project, IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return project.WithEnvironment("AllowedHosts", builder.AddParameter("proxy-allowed-hosts"));
        }

        return builder.Configuration["Gateway:ProxyAllowedHosts"] is { Length: > 0 } extra
            ? project.WithEnvironment("AllowedHosts", $"{LoopbackHosts};{extra}")
            : project;
    }

    /// <summary>
    /// The dashboard's operator key: a generated, persisted secret parameter
    /// (<c>dashboard-operator-key</c>), for operators who sign in without a user account.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithOperatorKey(
        this IResourceBuilder<ProjectResource> project, IDistributedApplicationBuilder builder)
    {
        var key = builder.AddParameter(
            "dashboard-operator-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        return project.WithEnvironment("Dashboard__Security__OperatorKey", key);
    }
}

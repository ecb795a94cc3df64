using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.AppHost.Infrastructure;

internal static class InfrastructureExtensions
{
    /// <summary>
    /// Adds <c>redis</c> (one server, a cluster of six nodes, or none when it is external) and
    /// <c>postgres</c> (with database <c>authdb</c>). Every path protects the servers with
    /// generated, persisted secret parameters, so nothing secret is in the repository and F5
    /// works without any set-up.
    /// </summary>
    public static GatewayInfrastructure AddGatewayInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var options = InfrastructureOptions.From(builder.Configuration);
        var useContainers = builder.ExecutionContext.IsPublishMode || options.Mode switch
        {
            InfrastructureMode.Containers => true,
            InfrastructureMode.Executables => false,
            _ => ContainerRuntime.IsHealthy(builder.Configuration),
        };
        EnsureRedisTopologyPossible(builder, options, useContainers);

        var (redis, redisConnections) = RedisInfrastructure.Add(builder, options, useContainers);

        var postgresPassword = builder.AddParameter(
            $"{ResourceNames.Postgres}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        // The auth service's own database role (least privilege, see AuthDatabaseRole).
        var authDbPassword = builder.AddParameter(
            $"{ResourceNames.AuthDatabase}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        var (authDb, authDbConnection) = useContainers
            ? AddPostgresContainer(builder, postgresPassword, authDbPassword)
            : AddPostgresExecutable(builder, options, postgresPassword, authDbPassword);
        return new GatewayInfrastructure(redis, redisConnections, authDb, authDbConnection);
    }

    /// <summary>
    /// A cluster is only built from host executables: Aspire has no Redis Cluster container, and a
    /// silent fallback to one server (or to executables next to containers) would test something
    /// else than was asked for. So the combinations that cannot give one stop start-up, naming the fix.
    /// </summary>
    private static void EnsureRedisTopologyPossible(IDistributedApplicationBuilder builder, InfrastructureOptions options, bool useContainers)
    {
        if (options.RedisTopology != RedisTopology.Cluster)
        {
            return;
        }

        if (options.Redis == RedisProvider.External)
        {
            throw new InvalidOperationException(
                "Infrastructure:RedisTopology=Cluster runs a Redis Cluster on this machine, and Infrastructure:Redis=External runs no Redis at all: "
                + "drop one of them (an external cluster's shape is in its connection strings).");
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            throw new InvalidOperationException(
                "Infrastructure:RedisTopology=Cluster is a run-mode cluster of host redis-server processes; a published manifest has no Redis Cluster container. "
                + "To deploy against a managed Redis Cluster, publish with --Infrastructure:Redis=External (docs/operations.md, \"Redis Cluster\").");
        }

        if (useContainers)
        {
            throw new InvalidOperationException(
                $"Infrastructure:RedisTopology=Cluster runs host redis-server processes, but Infrastructure:Mode={options.Mode} selects containers"
                + (options.Mode == InfrastructureMode.Auto ? " here (a container runtime answers)" : string.Empty)
                + ": add --Infrastructure:Mode=Executables.");
        }
    }

    private static (IResourceBuilder<IResourceWithConnectionString> AuthDb, ReferenceExpression Connection) AddPostgresContainer(
        IDistributedApplicationBuilder builder,
        IResourceBuilder<ParameterResource> postgresPassword,
        IResourceBuilder<ParameterResource> authDbPassword)
    {
        var postgres = builder.AddPostgres(ResourceNames.Postgres, password: postgresPassword);
        if (builder.ExecutionContext.IsRunMode)
        {
            // Registered users must survive an F5 restart.
            postgres.WithDataVolume();
        }

        // A deployed container creates the auth role when it initialises its data; in run mode the
        // AppHost (re)applies it on every start, which also covers data volumes from before.
        postgres.WithInitFiles(Path.Combine(builder.AppHostDirectory, "scripts", "postgres-init"))
            .WithEnvironment("AUTHDB_PASSWORD", authDbPassword);
        var authDb = postgres.AddDatabase(ResourceNames.AuthDatabase);
        builder.Eventing.Subscribe<ResourceReadyEvent>(authDb.Resource, async (_, cancellationToken) =>
            await AuthDatabaseRole.EnsureAsync(
                (await postgres.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken))!,
                authDb.Resource.DatabaseName,
                (await authDbPassword.Resource.GetValueAsync(cancellationToken))!,
                cancellationToken));
        return (
            builder.CreateResourceBuilder<IResourceWithConnectionString>(authDb.Resource),
            ReferenceExpression.Create(
                $"Host={postgres.Resource.PrimaryEndpoint.Property(EndpointProperty.Host)};Port={postgres.Resource.PrimaryEndpoint.Property(EndpointProperty.Port)};Username={AuthDatabaseRole.Name};Password={authDbPassword.Resource};Database={authDb.Resource.DatabaseName}"));
    }

    private static (IResourceBuilder<IResourceWithConnectionString> AuthDb, ReferenceExpression Connection) AddPostgresExecutable(
        IDistributedApplicationBuilder builder,
        InfrastructureOptions options,
        IResourceBuilder<ParameterResource> postgresPassword,
        IResourceBuilder<ParameterResource> authDbPassword)
    {
        var scripts = Path.Combine(builder.AppHostDirectory, "scripts");
        var dataDirectory = options.DataDirectory ?? DefaultDataDirectory(options.Ephemeral);
        var postgresPort = FreePort.Next();
        var postgres = new PostgresServerExecutableResource(ResourceNames.Postgres, "bash", scripts, postgresPassword.Resource);
        builder.AddResource(postgres)
            .WithArgs(Path.Combine(scripts, "run-postgres.sh"), dataDirectory, postgresPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("POSTGRES_PASSWORD", postgresPassword)
            .WithEnvironment("POSTGRES_EPHEMERAL", options.Ephemeral ? "true" : "false")
            .WithEndpoint(port: postgresPort, targetPort: postgresPort, scheme: "tcp", name: PostgresServerExecutableResource.PrimaryEndpointName, isProxied: false)
            .WithHealthCheck(AddCheck(builder, ResourceNames.Postgres, _ => new PostgresHealthCheck(postgres)));

        var authDb = new PostgresDatabaseExecutableResource(ResourceNames.AuthDatabase, ResourceNames.AuthDatabase, postgres);
        builder.AddResource(authDb)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .WithHealthCheck(AddCheck(builder, ResourceNames.AuthDatabase, _ => new PostgresHealthCheck(authDb)));

        // A database has no process of its own: it exists once the server is ready and it is created.
        builder.Eventing.Subscribe<ResourceReadyEvent>(postgres, async (@event, cancellationToken) =>
        {
            await PostgresDatabaseCreator.EnsureCreatedAsync(authDb, cancellationToken);
            await AuthDatabaseRole.EnsureAsync(
                (await postgres.ConnectionStringExpression.GetValueAsync(cancellationToken))!,
                authDb.DatabaseName,
                (await authDbPassword.Resource.GetValueAsync(cancellationToken))!,
                cancellationToken);
            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.PublishUpdateAsync(authDb, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });

        return (
            builder.CreateResourceBuilder<IResourceWithConnectionString>(authDb),
            ReferenceExpression.Create(
                $"Host={postgres.PrimaryEndpoint.Property(EndpointProperty.Host)};Port={postgres.PrimaryEndpoint.Property(EndpointProperty.Port)};Username={AuthDatabaseRole.Name};Password={authDbPassword.Resource};Database={authDb.DatabaseName}"));
    }

    /// <summary>Registers a health check for resource <paramref name="resourceName"/>; returns its key for <c>WithHealthCheck</c>.</summary>
    internal static string AddCheck(IDistributedApplicationBuilder builder, string resourceName, Func<IServiceProvider, IHealthCheck> factory)
    {
        var key = $"{resourceName}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, factory, failureStatus: null, tags: null));
        return key;
    }

    private static string DefaultDataDirectory(bool ephemeral)
    {
        if (ephemeral)
        {
            return Path.Combine(Path.GetTempPath(), $"gateway-postgres-{Guid.NewGuid():N}");
        }

        // postgres refuses to run as root and runs as the 'postgres' user instead, which cannot
        // enter /root: keep root's data under the postgres user's own home.
        return Environment.UserName == "root"
            ? "/var/lib/postgresql/gateway/data"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "gateway", "postgres");
    }
}

using System.Globalization;
using Gateway.Contracts.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.AppHost.Infrastructure;

internal static class InfrastructureExtensions
{
    /// <summary>
    /// Adds <c>redis</c> and <c>postgres</c> (with database <c>authdb</c>). Both paths protect the
    /// servers with generated, persisted secret parameters, so nothing secret is in the repository
    /// and F5 works without any set-up.
    /// </summary>
    public static GatewayInfrastructure AddGatewayInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var options = InfrastructureOptions.From(builder.Configuration);

        var redisPassword = builder.AddParameter(
            $"{ResourceNames.Redis}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        var postgresPassword = builder.AddParameter(
            $"{ResourceNames.Postgres}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        // The auth service's own database role (least privilege, see AuthDatabaseRole).
        var authDbPassword = builder.AddParameter(
            $"{ResourceNames.AuthDatabase}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        // One ACL user per service (least privilege, see RedisUsers), each with its own password.
        var redisPasswords = RedisUsers.All.ToDictionary(
            user => user.Name,
            user => builder.AddParameter($"{ResourceNames.Redis}-{user.Name}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true));

        var useContainers = builder.ExecutionContext.IsPublishMode || options.Mode switch
        {
            InfrastructureMode.Containers => true,
            InfrastructureMode.Executables => false,
            _ => ContainerRuntime.IsHealthy(builder.Configuration),
        };

        return useContainers
            ? AddContainers(builder, redisPassword, redisPasswords, postgresPassword, authDbPassword)
            : AddExecutables(builder, options, redisPassword, redisPasswords, postgresPassword, authDbPassword);
    }

    private static GatewayInfrastructure AddContainers(
        IDistributedApplicationBuilder builder,
        IResourceBuilder<ParameterResource> redisPassword,
        IReadOnlyDictionary<string, IResourceBuilder<ParameterResource>> redisPasswords,
        IResourceBuilder<ParameterResource> postgresPassword,
        IResourceBuilder<ParameterResource> authDbPassword)
    {
        var redis = builder.AddRedis(ResourceNames.Redis, password: redisPassword);
        // Aspire starts the container as /bin/sh -c "redis-server --requirepass $REDIS_PASSWORD ...":
        // the service users go on that command line, their passwords expanded from the environment.
        redis.WithArgs(context => context.Args[^1] = $"{context.Args[^1]} {RedisAcl.CommandLineOptions()}");
        foreach (var user in RedisUsers.All)
        {
            redis.WithEnvironment(RedisAcl.PasswordVariable(user), redisPasswords[user.Name]);
        }

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
        return new GatewayInfrastructure(
            builder.CreateResourceBuilder<IResourceWithConnectionString>(redis.Resource),
            redis.Resource.PrimaryEndpoint,
            redisPasswords,
            builder.CreateResourceBuilder<IResourceWithConnectionString>(authDb.Resource),
            ReferenceExpression.Create(
                $"Host={postgres.Resource.PrimaryEndpoint.Property(EndpointProperty.Host)};Port={postgres.Resource.PrimaryEndpoint.Property(EndpointProperty.Port)};Username={AuthDatabaseRole.Name};Password={authDbPassword.Resource};Database={authDb.Resource.DatabaseName}"));
    }

    private static GatewayInfrastructure AddExecutables(
        IDistributedApplicationBuilder builder,
        InfrastructureOptions options,
        IResourceBuilder<ParameterResource> redisPassword,
        IReadOnlyDictionary<string, IResourceBuilder<ParameterResource>> redisPasswords,
        IResourceBuilder<ParameterResource> postgresPassword,
        IResourceBuilder<ParameterResource> authDbPassword)
    {
        var scripts = Path.Combine(builder.AppHostDirectory, "scripts");

        var redisPort = FreePort.Next();
        var redis = new RedisServerResource(ResourceNames.Redis, "bash", scripts, redisPassword.Resource);
        builder.AddResource(redis)
            .WithArgs(Path.Combine(scripts, "run-redis.sh"), redisPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("REDIS_PASSWORD", redisPassword)
            .WithEnvironment("REDIS_ACL_USERS", RedisAcl.ConfigurationLines())
            .WithEndpoint(port: redisPort, targetPort: redisPort, scheme: "tcp", name: RedisServerResource.PrimaryEndpointName, isProxied: false)
            .WithHealthCheck(AddCheck(builder, ResourceNames.Redis, _ => new RedisPingHealthCheck(redis)));

        foreach (var user in RedisUsers.All)
        {
            builder.CreateResourceBuilder(redis).WithEnvironment(RedisAcl.PasswordVariable(user), redisPasswords[user.Name]);
        }

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

        return new GatewayInfrastructure(
            builder.CreateResourceBuilder<IResourceWithConnectionString>(redis),
            redis.PrimaryEndpoint,
            redisPasswords,
            builder.CreateResourceBuilder<IResourceWithConnectionString>(authDb),
            ReferenceExpression.Create(
                $"Host={postgres.PrimaryEndpoint.Property(EndpointProperty.Host)};Port={postgres.PrimaryEndpoint.Property(EndpointProperty.Port)};Username={AuthDatabaseRole.Name};Password={authDbPassword.Resource};Database={authDb.DatabaseName}"));
    }

    private static string AddCheck(IDistributedApplicationBuilder builder, string resourceName, Func<IServiceProvider, IHealthCheck> factory)
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

using System.Globalization;
using Gateway.Contracts.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// Redis, one of four ways: Aspire's container, one host <c>redis-server</c>, a six-node host
/// cluster, or none at all (external: connection strings from parameters). Every way gives each
/// service its own connection string (<see cref="RedisUsers"/>), so the services cannot tell them apart.
/// </summary>
internal static partial class RedisInfrastructure
{
    public static (IResourceBuilder<IResourceWithConnectionString>? Resource, IReadOnlyDictionary<string, ReferenceExpression> Connections) Add(
        IDistributedApplicationBuilder builder, InfrastructureOptions options, bool useContainers)
    {
        if (options.Redis == RedisProvider.External)
        {
            return (null, External(builder));
        }

        var password = builder.AddParameter(
            $"{ResourceNames.Redis}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
        // One ACL user per service (least privilege, see RedisUsers), each with its own password.
        var passwords = RedisUsers.All.ToDictionary(
            user => user.Name,
            user => builder.AddParameter($"{ResourceNames.Redis}-{user.Name}-password", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true));

        if (useContainers)
        {
            var container = AddContainer(builder, password, passwords);
            return (builder.CreateResourceBuilder<IResourceWithConnectionString>(container), Connections(Address(container.PrimaryEndpoint), passwords));
        }

        if (options.RedisTopology == RedisTopology.Cluster)
        {
            var cluster = AddCluster(builder, password, passwords);
            return (builder.CreateResourceBuilder<IResourceWithConnectionString>(cluster), Connections(cluster.Addresses, passwords));
        }

        var server = AddServer(builder, ResourceNames.Redis, password, passwords, clusterArguments: []);
        return (builder.CreateResourceBuilder<IResourceWithConnectionString>(server), Connections(Address(server.PrimaryEndpoint), passwords));
    }

    /// <summary>
    /// The connection string of each service user, in the shape of Aspire's (so clients cannot
    /// tell the paths apart). StackExchange.Redis' tie-breaker key and configuration channel are
    /// off: no service's ACL user may touch them, and neither one server nor a cluster (which
    /// elects its own primaries) needs them.
    /// </summary>
    private static Dictionary<string, ReferenceExpression> Connections(
        ReferenceExpression addresses, IReadOnlyDictionary<string, IResourceBuilder<ParameterResource>> passwords) =>
        RedisUsers.All.ToDictionary(
            user => user.Name,
            user => ReferenceExpression.Create($"{addresses},user={user.Name},password={passwords[user.Name].Resource},tiebreaker=,configChannel="));

    /// <summary>
    /// No Redis resource: each service's whole connection string (its node addresses, ACL user and
    /// password, <c>ssl=true</c> for a managed service) is the secret parameter
    /// <c>redis-&lt;user&gt;-connection</c>, supplied at deployment. The tie-breaker and
    /// configuration channel are switched off after it, as for the AppHost's own Redis.
    /// </summary>
    private static Dictionary<string, ReferenceExpression> External(IDistributedApplicationBuilder builder) =>
        RedisUsers.All.ToDictionary(
            user => user.Name,
            user =>
            {
                var connection = builder.AddParameter($"{ResourceNames.Redis}-{user.Name}-connection", secret: true);
                return ReferenceExpression.Create($"{connection.Resource},tiebreaker=,configChannel=");
            });

    private static ReferenceExpression Address(EndpointReference endpoint) =>
        ReferenceExpression.Create($"{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}");

    private static RedisResource AddContainer(
        IDistributedApplicationBuilder builder,
        IResourceBuilder<ParameterResource> password,
        IReadOnlyDictionary<string, IResourceBuilder<ParameterResource>> passwords)
    {
        var redis = builder.AddRedis(ResourceNames.Redis, password: password);
        // Aspire starts the container as /bin/sh -c "redis-server --requirepass $REDIS_PASSWORD ...":
        // the service users go on that command line, their passwords expanded from the environment.
        redis.WithArgs(context => context.Args[^1] = $"{context.Args[^1]} {RedisAcl.CommandLineOptions()}");
        foreach (var user in RedisUsers.All)
        {
            redis.WithEnvironment(RedisAcl.PasswordVariable(user), passwords[user.Name]);
        }

        return redis.Resource;
    }

    /// <summary>A host <c>redis-server</c> through run-redis.sh (a cluster node with <paramref name="clusterArguments"/>).</summary>
    private static RedisServerResource AddServer(
        IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<ParameterResource> password,
        IReadOnlyDictionary<string, IResourceBuilder<ParameterResource>> passwords,
        string[] clusterArguments)
    {
        var scripts = Path.Combine(builder.AppHostDirectory, "scripts");
        var port = FreePort.Next();
        var server = new RedisServerResource(name, "bash", scripts, password.Resource);
        var resource = builder.AddResource(server)
            .WithArgs([Path.Combine(scripts, "run-redis.sh"), port.ToString(CultureInfo.InvariantCulture), .. clusterArguments])
            .WithEnvironment("REDIS_PASSWORD", password)
            .WithEnvironment("REDIS_ACL_USERS", RedisAcl.ConfigurationLines())
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: RedisServerResource.PrimaryEndpointName, isProxied: false)
            .WithHealthCheck(InfrastructureExtensions.AddCheck(builder, name, _ => new RedisPingHealthCheck(server)));
        foreach (var user in RedisUsers.All)
        {
            resource.WithEnvironment(RedisAcl.PasswordVariable(user), passwords[user.Name]);
        }

        return server;
    }

    /// <summary>
    /// Six host <c>redis-server</c> nodes (<c>redis-node-0</c>..<c>5</c>, each on its own free port
    /// and cluster bus port) and the cluster <c>redis</c> over them, which services wait for: it
    /// forms the cluster once every node answers and is healthy while the cluster is.
    /// </summary>
    private static RedisClusterResource AddCluster(
        IDistributedApplicationBuilder builder,
        IResourceBuilder<ParameterResource> password,
        IReadOnlyDictionary<string, IResourceBuilder<ParameterResource>> passwords)
    {
        // Per AppHost run (the ports are too), so a node's membership never outlives the cluster it was in.
        var stateDirectory = Path.Combine(Path.GetTempPath(), $"gateway-redis-cluster-{Guid.NewGuid():N}");
        var nodes = Enumerable.Range(0, RedisClusterResource.NodeCount)
            .Select(i => AddServer(
                builder,
                ResourceNames.RedisNode(i),
                password,
                passwords,
                ["--cluster", Path.Combine(stateDirectory, ResourceNames.RedisNode(i)), FreePort.Next().ToString(CultureInfo.InvariantCulture)]))
            .ToList();

        var cluster = new RedisClusterResource(ResourceNames.Redis, nodes, password.Resource, stateDirectory);
        var resource = builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "RedisCluster",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .WithHealthCheck(InfrastructureExtensions.AddCheck(builder, ResourceNames.Redis, _ => new RedisClusterHealthCheck(cluster)));
        foreach (var node in nodes)
        {
            var nodeResource = builder.CreateResourceBuilder(node);
            resource.WaitFor(nodeResource);
            nodeResource.WithParentRelationship(resource);
        }

        resource.OnInitializeResource(async (_, @event, cancellationToken) =>
        {
            @event.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() => DeleteStateDirectory(cluster));
            try
            {
                await @event.Notifications.WaitForDependenciesAsync(cluster, cancellationToken);
                await @event.Notifications.PublishUpdateAsync(cluster, snapshot => snapshot with { State = KnownResourceStates.Starting });
                await RedisClusterCreator.CreateAsync(cluster, @event.Logger, cancellationToken);
                // Running starts Aspire's health checks: healthy once every node says cluster_state:ok.
                await @event.Notifications.PublishUpdateAsync(cluster, snapshot => snapshot with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                });
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.CreationFailed(@event.Logger, ex);
                await @event.Notifications.PublishUpdateAsync(cluster, snapshot => snapshot with { State = KnownResourceStates.FailedToStart });
            }
        });

        return cluster;
    }

    private static void DeleteStateDirectory(RedisClusterResource cluster)
    {
        try
        {
            if (Directory.Exists(cluster.StateDirectory))
            {
                Directory.Delete(cluster.StateDirectory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A node still shutting down may be rewriting its nodes.conf; /tmp is cleaned anyway.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "The Redis Cluster could not be created.")]
        public static partial void CreationFailed(ILogger logger, Exception exception);
    }
}

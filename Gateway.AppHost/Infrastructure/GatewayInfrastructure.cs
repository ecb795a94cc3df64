using Gateway.Contracts.Redis;

namespace Gateway.AppHost.Infrastructure;

/// <summary>The shared state every service connects to.</summary>
/// <param name="Redis">The Redis server (its connection string is the operator's, the <c>default</c> user).</param>
/// <param name="RedisEndpoint">Where services reach it.</param>
/// <param name="RedisPasswords">Each service ACL user's password parameter, by user name (see <see cref="RedisUsers"/>).</param>
/// <param name="AuthDatabase">The auth service's database (its connection string is the superuser's: operators and tests).</param>
/// <param name="AuthDatabaseConnection">How the auth service connects: as its own role (<see cref="AuthDatabaseRole"/>).</param>
internal sealed record GatewayInfrastructure(
    IResourceBuilder<IResourceWithConnectionString> Redis,
    EndpointReference RedisEndpoint,
    IReadOnlyDictionary<string, IResourceBuilder<ParameterResource>> RedisPasswords,
    IResourceBuilder<IResourceWithConnectionString> AuthDatabase,
    ReferenceExpression AuthDatabaseConnection)
{
    /// <summary>
    /// The connection string of <paramref name="user"/>, in the shape of Aspire's (so clients cannot
    /// tell the paths apart). StackExchange.Redis' tie-breaker key and configuration channel are
    /// off: no service's ACL user may touch them, and one server has no primary to elect.
    /// </summary>
    public ReferenceExpression RedisConnectionFor(RedisUser user) => ReferenceExpression.Create(
        $"{RedisEndpoint.Property(EndpointProperty.Host)}:{RedisEndpoint.Property(EndpointProperty.Port)},user={user.Name},password={RedisPasswords[user.Name].Resource},tiebreaker=,configChannel=");
}

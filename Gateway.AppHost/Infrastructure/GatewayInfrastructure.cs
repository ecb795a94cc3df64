using Gateway.Contracts.Redis;

namespace Gateway.AppHost.Infrastructure;

/// <summary>The shared state every service connects to.</summary>
/// <param name="Redis">
/// The Redis server or cluster the AppHost runs (its connection string is the operator's, the
/// <c>default</c> user), which services wait for; null when Redis is external
/// (<c>Infrastructure:Redis=External</c>).
/// </param>
/// <param name="RedisConnections">Each service ACL user's connection string, by user name (see <see cref="RedisUsers"/>).</param>
/// <param name="AuthDatabase">The auth service's database (its connection string is the superuser's: operators and tests).</param>
/// <param name="AuthDatabaseConnection">How the auth service connects: as its own role (<see cref="AuthDatabaseRole"/>).</param>
internal sealed record GatewayInfrastructure(
    IResourceBuilder<IResourceWithConnectionString>? Redis,
    IReadOnlyDictionary<string, ReferenceExpression> RedisConnections,
    IResourceBuilder<IResourceWithConnectionString> AuthDatabase,
    ReferenceExpression AuthDatabaseConnection)
{
    /// <summary>The connection string of <paramref name="user"/>: every node, its ACL user name and password.</summary>
    public ReferenceExpression RedisConnectionFor(RedisUser user) => RedisConnections[user.Name];
}

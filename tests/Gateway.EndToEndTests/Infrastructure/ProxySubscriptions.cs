using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Gateway.Contracts.Invalidation;
using Gateway.Contracts.Redis;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>Makes the proxies miss what the auth service publishes, for as long as a test needs.</summary>
public static class ProxySubscriptions
{
    /// <summary>
    /// Runs <paramref name="action"/> while the proxies' Redis user has no channel rights: Redis
    /// drops their subscriptions and they cannot subscribe again, so nothing published meanwhile
    /// reaches a replica (they learn of it from the invalidation numbering afterwards).
    /// </summary>
    public static async Task CutWhileAsync(DistributedApplication app, Func<Task> action)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis"))!);
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ExecuteAsync("ACL", "SETUSER", RedisUsers.Proxy.Name, "resetchannels");
        try
        {
            await action();
        }
        finally
        {
            await server.ExecuteAsync("ACL", "SETUSER", RedisUsers.Proxy.Name, "&" + AuthInvalidations.Channel, "&" + Gateway.Contracts.Metrics.ReplicaSnapshot.Channel);
        }
    }
}

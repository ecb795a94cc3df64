using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// Healthy when the Redis server accepts the password and answers PING. Speaks RESP directly so the
/// AppHost needs no Redis client library. A cluster node answers PING whatever its cluster's
/// state: the cluster's own check is <see cref="RedisClusterHealthCheck"/>.
/// </summary>
internal sealed class RedisPingHealthCheck(RedisServerResource redis) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            using var client = await ConnectAsync(redis, timeout.Token);
            var reply = await client.SendAsync(timeout.Token, "PING");
            return !reply.IsError && reply.Text == "PONG"
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"Unexpected reply from Redis: {reply.Text}");
        }
        catch (RedisAuthenticationException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Redis is not answering yet.", ex);
        }
    }

    /// <summary>A connection to <paramref name="server"/>, authenticated as the <c>default</c> user.</summary>
    internal static async Task<RedisRespClient> ConnectAsync(RedisServerResource server, CancellationToken cancellationToken)
    {
        var host = await server.PrimaryEndpoint.Property(EndpointProperty.Host).GetValueAsync(cancellationToken);
        var port = int.Parse(await server.PrimaryEndpoint.Property(EndpointProperty.Port).GetValueAsync(cancellationToken) ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var password = await server.Password.GetValueAsync(cancellationToken) ?? string.Empty;

        var client = await RedisRespClient.ConnectAsync(host ?? "127.0.0.1", port, cancellationToken);
        try
        {
            var auth = await client.SendAsync(cancellationToken, "AUTH", password);
            return auth is { IsError: false, Text: "OK" }
                ? client
                : throw new RedisAuthenticationException($"Unexpected reply from Redis to AUTH: {auth.Text}");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}

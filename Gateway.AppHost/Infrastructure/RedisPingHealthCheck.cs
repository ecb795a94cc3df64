using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.AppHost.Infrastructure;

/// <summary>
/// Healthy when the Redis server accepts the password and answers PING. Speaks RESP directly so the
/// AppHost needs no Redis client library.
/// </summary>
internal sealed class RedisPingHealthCheck(RedisServerResource redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var host = await redis.PrimaryEndpoint.Property(EndpointProperty.Host).GetValueAsync(cancellationToken);
            var port = int.Parse(await redis.PrimaryEndpoint.Property(EndpointProperty.Port).GetValueAsync(cancellationToken) ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var password = await redis.Password.GetValueAsync(cancellationToken) ?? string.Empty;

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            using var client = new TcpClient();
            await client.ConnectAsync(host ?? "127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            var command = $"*2\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(password)}\r\n{password}\r\n*1\r\n$4\r\nPING\r\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(command), timeout.Token);

            var buffer = new byte[256];
            var received = new StringBuilder();
            while (!received.ToString().Contains("PONG", StringComparison.Ordinal) && !received.ToString().Contains('-'))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            var reply = received.ToString();
            return reply.StartsWith("+OK\r\n+PONG", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"Unexpected reply from Redis: {reply.Split('\r')[0]}");
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Redis is not answering yet.", ex);
        }
    }
}

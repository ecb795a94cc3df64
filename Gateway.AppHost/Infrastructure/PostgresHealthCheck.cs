using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Gateway.AppHost.Infrastructure;

/// <summary>Healthy when PostgreSQL accepts a password login with the connection string of <paramref name="resource"/>.</summary>
internal sealed class PostgresHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 3, Pooling = false };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is not answering.", ex);
        }
    }
}

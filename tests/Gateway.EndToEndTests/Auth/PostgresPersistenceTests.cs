using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gateway.TestSupport;
using Npgsql;

namespace Gateway.EndToEndTests.Auth;

/// <summary>
/// Run mode on the executables path keeps PostgreSQL data across AppHost restarts (durability on),
/// so registered users are not lost when a developer presses F5 again.
/// </summary>
public sealed class PostgresPersistenceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Restart_WithSameDataDirectory_KeepsCommittedRows()
    {
        var dataDirectory = TestPaths.NewTempDirectory("gateway-persist-pg");
        var marker = Guid.NewGuid().ToString("N");
        try
        {
            await using (var first = await StartInfrastructureOnlyAsync(dataDirectory))
            {
                await using var connection = await OpenAuthDbAsync(first);
                await using var create = new NpgsqlCommand(
                    "CREATE TABLE IF NOT EXISTS persistence_probe (marker text PRIMARY KEY)", connection);
                await create.ExecuteNonQueryAsync();
                await using var insert = new NpgsqlCommand("INSERT INTO persistence_probe VALUES (@m)", connection);
                insert.Parameters.AddWithValue("m", marker);
                await insert.ExecuteNonQueryAsync();
            }

            await using (var second = await StartInfrastructureOnlyAsync(dataDirectory))
            {
                await using var connection = await OpenAuthDbAsync(second);
                await using var select = new NpgsqlCommand("SELECT count(*) FROM persistence_probe WHERE marker = @m", connection);
                select.Parameters.AddWithValue("m", marker);
                Assert.Equal(1L, await select.ExecuteScalarAsync());
            }
        }
        finally
        {
            TestPaths.TryDelete(dataDirectory);
        }
    }

    /// <summary>The real AppHost, durable settings (not ephemeral), with only Redis and PostgreSQL kept.</summary>
    private static async Task<DistributedApplication> StartInfrastructureOnlyAsync(string dataDirectory)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Gateway_AppHost>(
            ["--Infrastructure:Mode=Executables", $"--Infrastructure:DataDirectory={dataDirectory}"], cts.Token);
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.Resources.Remove(project);
        }

        var app = await builder.BuildAsync(cts.Token).WaitAsync(cts.Token);
        await app.StartAsync(cts.Token).WaitAsync(cts.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("authdb", cts.Token).WaitAsync(cts.Token);
        return app;
    }

    private static async Task<NpgsqlConnection> OpenAuthDbAsync(DistributedApplication app)
    {
        var connectionString = await app.GetConnectionStringAsync("authdb").AsTask().WaitAsync(Timeout);
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().WaitAsync(Timeout);
        return connection;
    }
}

using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Contracts.Redis;
using Npgsql;
using StackExchange.Redis;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>What tests read from the running app model: secret parameters, the auth database.</summary>
public static class AppResources
{
    /// <summary>The value of the AppHost parameter <paramref name="name"/> (generated secrets included).</summary>
    public static async Task<string> ParameterAsync(DistributedApplication app, string name)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(p => p.Name == name);
        return await parameter.GetValueAsync(CancellationToken.None) ?? throw new InvalidOperationException($"{name} has no value");
    }

    /// <summary>
    /// An open connection to <c>authdb</c> as the superuser, or as <paramref name="userName"/> with
    /// <paramref name="password"/>. Unpooled: other tests of the collection restart PostgreSQL, which
    /// leaves pooled connections of this process dead (57P01).
    /// </summary>
    public static async Task<NpgsqlConnection> OpenAuthDatabaseAsync(DistributedApplication app, string? userName = null, string? password = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(await app.GetConnectionStringAsync("authdb").AsTask().WaitAsync(AuthClients.CallTimeout)) { Pooling = false };
        if (userName is not null)
        {
            builder.Username = userName;
            builder.Password = password;
        }

        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().WaitAsync(AuthClients.CallTimeout);
        return connection;
    }

    /// <summary>Connects to Redis with the ACL user name and password the AppHost gives that service.</summary>
    public static async Task<ConnectionMultiplexer> ConnectRedisAsAsync(DistributedApplication app, RedisUser user)
    {
        var options = ConfigurationOptions.Parse((await app.GetConnectionStringAsync("redis"))!);
        options.User = user.Name;
        options.Password = await ParameterAsync(app, $"redis-{user.Name}-password");
        options.TieBreaker = string.Empty;
        options.ConfigurationChannel = string.Empty;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>
    /// Stops resource <paramref name="name"/> (waiting until its process has exited), runs
    /// <paramref name="action"/>, and starts it again, waiting until it is healthy. Redis comes back
    /// empty (no persistence).
    /// </summary>
    public static async Task WhileStoppedAsync(DistributedApplication app, string name, Func<Task> action)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await app.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StopCommand, cts.Token);
        await app.ResourceNotifications.WaitForResourceAsync(name, e => e.Snapshot.State?.Text is "Finished" or "Exited", cts.Token);
        try
        {
            await action();
        }
        finally
        {
            await app.ResourceCommands.ExecuteCommandAsync(name, KnownResourceCommands.StartCommand, cts.Token);
            await app.ResourceNotifications.WaitForResourceHealthyAsync(name, cts.Token);
        }
    }
}

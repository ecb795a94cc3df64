using System.Collections.Concurrent;
using Gateway.Auth.Configuration;
using Gateway.Contracts.Configuration;
using Gateway.IntegrationTests.Infrastructure;
using Gateway.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Auth.Configuration;

/// <summary>
/// Configuration change notices against a real redis-server: the newest version announced is the
/// one published, and an unreachable Redis costs the caller nothing (retried, then dropped).
/// </summary>
public sealed class ConfigChangePublisherTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Announce_NewestVersionArrives_AnOlderOneAnnouncedLaterIsNeverSent()
    {
        var received = new ConcurrentQueue<long>();
        var subscriber = redis.Redis.GetSubscriber();
        var channel = RedisChannel.Literal(ConfigChanges.Channel);
        await subscriber.SubscribeAsync(channel, (_, message) =>
        {
            if (ConfigChanges.TryParse(message, out var version))
            {
                received.Enqueue(version);
            }
        });
        var publisher = Publisher(redis.Redis, new ConfigChangeOptions());
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            publisher.Announce(3);
            publisher.Announce(5);
            publisher.Announce(4);
            await UntilAsync(() => received.Contains(5), "version 5 to be announced");

            // Notices of one connection arrive in order: once 6 is here, a 4 would have been too.
            publisher.Announce(6);
            await UntilAsync(() => received.Contains(6), "version 6 to be announced");
            Assert.DoesNotContain(4, received);
            Assert.Equal(received.Order(), received);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
            await subscriber.UnsubscribeAsync(channel);
        }
    }

    [Fact]
    public async Task Announce_RedisUnreachable_ReturnsAtOnce_RetriedThenDropped()
    {
        // Nothing listens on the port: every attempt fails.
        await using var unreachable = await ConnectionMultiplexer.ConnectAsync(
            $"127.0.0.1:{FreePorts.Loopback()},abortConnect=false,connectTimeout=200,connectRetry=0");
        var publisher = Publisher(unreachable, new ConfigChangeOptions { RetryFor = TimeSpan.FromMilliseconds(500), MaxRetryDelay = TimeSpan.FromMilliseconds(50) });
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            publisher.Announce(7);

            await UntilAsync(() => publisher.Dropped == 1, "the notice to be given up on");
            Assert.True(publisher.Failures >= 1);
            Assert.Equal(0, publisher.Published);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
        }
    }

    private static ConfigChangePublisher Publisher(IConnectionMultiplexer connection, ConfigChangeOptions options) =>
        new(connection, new StaticOptionsMonitor<ConfigChangeOptions>(options), TimeProvider.System, NullLogger<ConfigChangePublisher>.Instance);

    private static Task UntilAsync(Func<bool> condition, string what) =>
        Poll.UntilAsync(_ => Task.FromResult(condition() ? "yes" : null), Deadline, what);
}

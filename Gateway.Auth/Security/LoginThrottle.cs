using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Auth.Security;

/// <summary>
/// Counts failed logins per account and per client address in Redis (shared by every auth
/// instance) and refuses further attempts with RESOURCE_EXHAUSTED once either count reaches its
/// limit, until the window since the first failure has passed. Successful logins clear the
/// account's count.
/// </summary>
/// <remarks>
/// When Redis is unreachable the throttle lets logins through (and logs it): locking every user
/// out because a cache is down would be worse than losing brute-force protection for a while,
/// and password hashing still bounds the guessing rate.
/// </remarks>
internal sealed partial class LoginThrottle(
    IConnectionMultiplexer redis,
    IOptionsMonitor<AuthOptions> options,
    ILogger<LoginThrottle> logger)
{
    /// <summary>Trailer carrying the seconds until the client may retry.</summary>
    public const string RetryAfterTrailer = "retry-after";

    public async Task EnsureAllowedAsync(string normalizedName, string clientAddress, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue.LoginThrottle;
        try
        {
            var database = redis.GetDatabase();
            var accountKey = AccountKey(normalizedName);
            var accountFailures = database.StringGetAsync(accountKey);
            var clientFailures = clientAddress.Length > 0 ? database.StringGetAsync(ClientKey(clientAddress)) : Task.FromResult(RedisValue.Null);
            await Task.WhenAll(accountFailures, clientFailures).WaitAsync(cancellationToken);

            var accountCount = accountFailures.Result.IsNull ? 0 : (long)accountFailures.Result;
            var clientCount = clientFailures.Result.IsNull ? 0 : (long)clientFailures.Result;
            RedisKey? blockedKey = accountCount >= settings.MaxFailuresPerAccount ? accountKey
                : clientCount >= settings.MaxFailuresPerClient ? ClientKey(clientAddress)
                : (RedisKey?)null;
            if (blockedKey is { } key)
            {
                var ttl = await database.KeyTimeToLiveAsync(key).WaitAsync(cancellationToken) ?? settings.Window;
                var retryAfter = (int)Math.Ceiling(Math.Max(1, ttl.TotalSeconds));
                throw new RpcException(
                    new Status(StatusCode.ResourceExhausted, "Too many failed logins. Try again later."),
                    new Metadata { { RetryAfterTrailer, retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ThrottleUnavailable(logger, ex);
        }
    }

    public async Task RecordFailureAsync(string normalizedName, string clientAddress, CancellationToken cancellationToken)
    {
        var window = options.CurrentValue.LoginThrottle.Window;
        try
        {
            var database = redis.GetDatabase();
            var increments = new List<Task> { IncrementAsync(database, AccountKey(normalizedName), window) };
            if (clientAddress.Length > 0)
            {
                increments.Add(IncrementAsync(database, ClientKey(clientAddress), window));
            }

            await Task.WhenAll(increments).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ThrottleUnavailable(logger, ex);
        }
    }

    public async Task RecordSuccessAsync(string normalizedName, CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(AccountKey(normalizedName)).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ThrottleUnavailable(logger, ex);
        }
    }

    private static async Task IncrementAsync(IDatabase database, RedisKey key, TimeSpan window)
    {
        await database.StringIncrementAsync(key);
        // The window starts at the first failure; later failures do not extend it.
        await database.KeyExpireAsync(key, window, ExpireWhen.HasNoExpiry);
    }

    // Keys hold a hash, not the user name or address: Redis never sees who is being attacked.
    private static RedisKey AccountKey(string normalizedName) => "gw:auth:login-failures:account:" + Digest(normalizedName);

    private static RedisKey ClientKey(string clientAddress) => "gw:auth:login-failures:client:" + Digest(clientAddress);

    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..32];

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Login throttling is unavailable (Redis); allowing the attempt")]
        public static partial void ThrottleUnavailable(ILogger logger, Exception exception);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Contracts.Redis;
using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Auth.Security;

/// <summary>
/// Slows down password guessing without letting anyone lock the owner out (OWASP's "slow down
/// online guessing" rather than account lockout). Each login attempt is counted in Redis before
/// its password is verified, in one script (<c>Scripts/login_attempt.lua</c>), per
/// (account, client), per client and per account, where "client" is the address group the caller
/// resolved (see <c>ClientNetwork</c>). Past a limit, each further attempt must wait a delay that
/// doubles with every attempt, up to <see cref="LoginThrottleOptions.Window"/>; a refused attempt
/// is RESOURCE_EXHAUSTED with a <c>retry-after</c> trailer, whether or not the account exists.
/// <list type="bullet">
/// <item>Per (account, client): the owner at another address is not slowed by a guesser's count.</item>
/// <item>Per client, over all accounts: one client cannot spray many accounts.</item>
/// <item>Per account, for clients that never signed in to it: a guesser using many addresses is
/// slowed down too, but the owner's known clients are not.</item>
/// </list>
/// Counting before verifying makes the count atomic: 50 concurrent guesses from one client reach
/// the password check at most <see cref="LoginThrottleOptions.MaxFailuresPerAccountAndClient"/>
/// times. A right password gives its attempt back (<see cref="SucceededAsync"/>).
/// </summary>
/// <remarks>
/// When Redis is unreachable the throttle lets logins through (and logs it): locking every user
/// out because a cache is down would be worse than losing the throttle for a while, and password
/// hashing still bounds the guessing rate. Keys hold digests, never a user name or an address,
/// and share one hash tag (a Redis Cluster slot), since the scripts touch several at once.
/// </remarks>
internal sealed partial class LoginThrottle(
    IConnectionMultiplexer redis,
    IOptionsMonitor<AuthOptions> options,
    AuthStatistics statistics,
    ILogger<LoginThrottle> logger)
{
    /// <summary>Trailer carrying the seconds until the client may retry.</summary>
    public const string RetryAfterTrailer = "retry-after";

    private const string KeyPrefix = RedisKeys.LoginThrottlePrefix;

    private static readonly string AttemptScript = EmbeddedScripts.Load("Gateway.Auth.Security.Scripts.login_attempt.lua");
    private static readonly string SucceededScript = EmbeddedScripts.Load("Gateway.Auth.Security.Scripts.login_succeeded.lua");

    /// <summary>
    /// Counts an attempt of <paramref name="normalizedName"/> from <paramref name="clientAddress"/>
    /// (empty: per account only), or throws RESOURCE_EXHAUSTED when it must wait.
    /// </summary>
    public async Task<LoginAttempt> BeginAsync(string normalizedName, string clientAddress, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue.LoginThrottle;
        var attempt = new LoginAttempt(normalizedName, clientAddress);
        RedisResult result;
        try
        {
            result = await redis.GetDatabase().ScriptEvaluateAsync(
                AttemptScript,
                attempt.Keys,
                [
                    settings.MaxFailuresPerAccountAndClient,
                    settings.MaxFailuresPerClient,
                    settings.MaxFailuresPerAccount,
                    (long)settings.BackoffBase.TotalMilliseconds,
                    (long)settings.Window.TotalMilliseconds,
                    attempt.ClientDigest,
                ]).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ThrottleUnavailable(logger, ex);
            return attempt with { Counted = false };
        }

        var answer = (long[])result!;
        if (answer[0] == 1)
        {
            return attempt;
        }

        statistics.LoginThrottled();
        var retryAfter = Math.Max(1, (long)Math.Ceiling(answer[1] / 1000d));
        throw new RpcException(
            new Status(StatusCode.ResourceExhausted, "Too many failed logins. Try again later."),
            new Metadata { { RetryAfterTrailer, retryAfter.ToString(CultureInfo.InvariantCulture) } });
    }

    /// <summary>The attempt's password was right: it was not a failure, and its client is now known to the account.</summary>
    public async Task SucceededAsync(LoginAttempt attempt, CancellationToken cancellationToken)
    {
        if (!attempt.Counted)
        {
            return;
        }

        var settings = options.CurrentValue.LoginThrottle;
        try
        {
            await redis.GetDatabase().ScriptEvaluateAsync(
                SucceededScript,
                attempt.Keys,
                [settings.KnownClientsPerAccount, (long)settings.KnownClientLifetime.TotalMilliseconds, 0, 0, 0, attempt.ClientDigest])
                .WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ThrottleUnavailable(logger, ex);
        }
    }

    // Keys hold a hash, not the user name or address: Redis never sees who is being attacked.
    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..32];

    /// <summary>One attempt's keys; <see cref="Counted"/> is false when Redis could not count it.</summary>
    internal sealed record LoginAttempt
    {
        public LoginAttempt(string normalizedName, string clientAddress)
        {
            var account = Digest(normalizedName);
            ClientDigest = clientAddress.Length == 0 ? string.Empty : Digest(clientAddress);
            Keys =
            [
                KeyPrefix + "pair:" + Digest(normalizedName + "\n" + clientAddress),
                KeyPrefix + "client:" + (ClientDigest.Length == 0 ? "none" : ClientDigest),
                KeyPrefix + "account:" + account,
                KeyPrefix + "known:" + account,
            ];
        }

        public RedisKey[] Keys { get; }

        public string ClientDigest { get; }

        public bool Counted { get; init; } = true;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Login throttling is unavailable (Redis); allowing the attempt")]
        public static partial void ThrottleUnavailable(ILogger logger, Exception exception);
    }
}

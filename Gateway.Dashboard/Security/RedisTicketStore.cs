using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Dashboard.Security;

/// <summary>
/// Dashboard sessions kept server side (the cookie authentication's <see cref="ITicketStore"/>): the
/// cookie carries only a random session id (256 bits); the ticket lives in Redis under
/// <see cref="KeyPrefix"/>, serialised by <see cref="TicketSerializer"/> and protected with Data
/// Protection, so a Redis reader can neither read the principal nor forge one. Deleting the key is
/// revocation: sign-out refuses a copied cookie from then on.
/// </summary>
/// <remarks>
/// Only plain string commands on keys under <see cref="KeyPrefix"/> (SET with PX, GETEX, PEXPIRE,
/// DEL): the dashboard's least-privilege Redis user is allowed exactly these keys. The key's time
/// to live is the idle timeout, renewed by each read, never past the absolute end of the session.
/// Redis unreachable: storing throws (sign-in fails closed), reading answers "no session" (the
/// viewer is treated as signed out), both logged.
/// </remarks>
internal sealed partial class RedisTicketStore(
    IConnectionMultiplexer redis,
    IDataProtectionProvider dataProtection,
    IOptions<DashboardSecurityOptions> options,
    TimeProvider time,
    ILogger<RedisTicketStore> logger) : ITicketStore
{
    public const string KeyPrefix = "dashboard:session:";

    /// <summary>Base64url of 32 random bytes.</summary>
    private const int SessionIdLength = 43;

    private static readonly SearchValues<char> Base64UrlChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Gateway.Dashboard.Sessions.v1");

    public static RedisKey Key(string sessionId) => KeyPrefix + sessionId;

    /// <summary>How long the session's key may live from <paramref name="now"/>: null when it has ended.</summary>
    public static TimeSpan? TimeToLive(AuthenticationProperties properties, DateTimeOffset now, TimeSpan idleTimeout)
    {
        if (properties.ExpiresUtc is not { } end || end <= now)
        {
            return null;
        }

        var remaining = end - now;
        return remaining < idleTimeout ? remaining : idleTimeout;
    }

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var ttl = TimeToLive(ticket.Properties, time.GetUtcNow(), options.Value.IdleTimeout)
            ?? throw new InvalidOperationException("A dashboard session must end after it starts (Dashboard:Security:AbsoluteLifetime).");
        var sessionId = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        // A failure propagates: without a stored session there is no sign-in (fail closed).
        await redis.GetDatabase().StringSetAsync(Key(sessionId), Protect(ticket), ttl);
        return sessionId;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => TryRenewAsync(key, ticket);

    /// <summary>
    /// Replaces a live session's ticket; false when the session is gone (signed out meanwhile): a
    /// renewal never brings a revoked session back.
    /// </summary>
    public async Task<bool> TryRenewAsync(string sessionId, AuthenticationTicket ticket)
    {
        if (!IsWellFormed(sessionId) || TimeToLive(ticket.Properties, time.GetUtcNow(), options.Value.IdleTimeout) is not { } ttl)
        {
            return false;
        }

        return await redis.GetDatabase().StringSetAsync(Key(sessionId), Protect(ticket), ttl, When.Exists);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => ReadAsync(key, null);

    public Task<AuthenticationTicket?> RetrieveAsync(string key, HttpContext httpContext, CancellationToken cancellationToken) =>
        ReadAsync(key, httpContext);

    /// <summary>
    /// The live session's ticket (renewing its idle timeout), or null: unknown, ended, unreadable, or
    /// Redis down. With <paramref name="httpContext"/>, the request gets a <see cref="DashboardSessionFeature"/>.
    /// </summary>
    public async Task<AuthenticationTicket?> ReadAsync(string sessionId, HttpContext? httpContext)
    {
        if (!IsWellFormed(sessionId))
        {
            return null;
        }

        var database = redis.GetDatabase();
        var idle = options.Value.IdleTimeout;
        RedisValue value;
        try
        {
            // GETEX: read and slide the idle timeout in one round trip.
            value = await database.StringGetSetExpiryAsync(Key(sessionId), idle);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Log.StoreUnavailable(logger, exception.GetType().Name);
            return null;
        }

        if (value.IsNull || Unprotect((byte[])value!) is not { } ticket)
        {
            return null;
        }

        var ttl = TimeToLive(ticket.Properties, time.GetUtcNow(), idle);
        try
        {
            if (ttl is null)
            {
                await database.KeyDeleteAsync(Key(sessionId));
                return null;
            }

            if (ttl < idle)
            {
                // The last stretch before the absolute end: the key must not outlive the session.
                await database.KeyExpireAsync(Key(sessionId), ttl);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Log.StoreUnavailable(logger, exception.GetType().Name);
            return null;
        }

        httpContext?.Features.Set(new DashboardSessionFeature(sessionId, ticket.Properties.ExpiresUtc!.Value));
        return ticket;
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        if (IsWellFormed(key))
        {
            // A failure propagates: a sign-out that did not revoke must not look like one that did.
            await redis.GetDatabase().KeyDeleteAsync(Key(key));
        }
    }

    private byte[] Protect(AuthenticationTicket ticket) => _protector.Protect(TicketSerializer.Default.Serialize(ticket));

    private AuthenticationTicket? Unprotect(byte[] value)
    {
        try
        {
            var ticket = TicketSerializer.Default.Deserialize(_protector.Unprotect(value));
            return ticket?.AuthenticationScheme == CookieAuthenticationDefaults.AuthenticationScheme ? ticket : null;
        }
        catch (CryptographicException)
        {
            // Written by someone without our keys (or with a key ring we lost): not a session.
            Log.Unreadable(logger);
            return null;
        }
    }

    private static bool IsWellFormed(string sessionId) =>
        sessionId.Length == SessionIdLength && !sessionId.AsSpan().ContainsAnyExcept(Base64UrlChars);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "The dashboard's session store (Redis) is unavailable ({ExceptionType}): the viewer is treated as signed out.")]
        public static partial void StoreUnavailable(ILogger logger, string exceptionType);

        [LoggerMessage(Level = LogLevel.Warning, Message = "A dashboard session in Redis could not be unprotected (tampered, or written with another key ring): refused.")]
        public static partial void Unreadable(ILogger logger);
    }
}

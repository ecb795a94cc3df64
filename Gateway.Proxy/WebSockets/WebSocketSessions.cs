using System.Collections.Concurrent;
using Gateway.Contracts.Invalidation;
using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.Proxy.WebSockets;

/// <summary>
/// The WebSockets open through this replica, and the decisions that close them:
/// <list type="bullet">
/// <item>a revoked credential (<see cref="AuthCache.Invalidate"/>): its sockets get 1008 at once;</item>
/// <item>a changed user (<see cref="AuthCache.InvalidateUser"/>: plan, role, disabled) or missed
/// invalidations (<see cref="AuthCache.InvalidateAll"/>: the gateway does not know what was revoked):
/// each affected socket's credential is checked again through the same lookup the authentication
/// handler uses, and only a socket whose credential is no longer valid, or no longer meets its
/// route's policy, is closed (1008);</item>
/// <item>while the cache is out of step (invalidations may be missed unseen), every socket with a
/// credential is checked again each <see cref="AuthCacheOptions.DegradedTtl"/>, as requests are;</item>
/// <item>on shutdown (<see cref="IHostApplicationLifetime.ApplicationStopping"/>), every socket gets 1001.</item>
/// </list>
/// A check the auth service cannot answer keeps the socket open and is asked again after the
/// lookup's <c>Retry-After</c>: an outage of the auth service closes no one.
/// </summary>
internal sealed partial class WebSocketSessions : BackgroundService
{
    private static readonly TimeSpan MinRetry = TimeSpan.FromSeconds(1);

    // A plain set: invalidations are rare next to requests, and a scan of the open sockets per
    // invalidation costs less than keeping an index by credential and user on every handshake.
    private readonly ConcurrentDictionary<WebSocketSession, byte> _sessions = new();
    private readonly AuthCache _cache;
    private readonly CredentialLookups _lookups;
    private readonly IAuthorizationPolicyProvider _policies;
    private readonly IServiceScopeFactory _scopes;
    private readonly ProxyMetrics _metrics;
    private readonly IOptionsMonitor<WebSocketSessionOptions> _options;
    private readonly IOptionsMonitor<AuthCacheOptions> _cacheOptions;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<WebSocketSessions> _logger;
    private readonly SemaphoreSlim _revalidations;
    private readonly CancellationToken _stopping;

    public WebSocketSessions(
        AuthCache cache,
        CredentialLookups lookups,
        IAuthorizationPolicyProvider policies,
        IServiceScopeFactory scopes,
        IHostApplicationLifetime lifetime,
        ProxyMetrics metrics,
        IOptionsMonitor<WebSocketSessionOptions> options,
        IOptionsMonitor<AuthCacheOptions> cacheOptions,
        TimeProvider timeProvider,
        ILogger<WebSocketSessions> logger)
    {
        _cache = cache;
        _lookups = lookups;
        _policies = policies;
        _scopes = scopes;
        _metrics = metrics;
        _options = options;
        _cacheOptions = cacheOptions;
        _timeProvider = timeProvider;
        _logger = logger;
        _revalidations = new SemaphoreSlim(options.CurrentValue.MaxConcurrentRevalidations);
        _stopping = lifetime.ApplicationStopping;
        cache.Invalidated += OnInvalidated;
        lifetime.ApplicationStopping.Register(CloseAll, GatewayClose.Shutdown);
    }

    /// <summary>Sessions registered and not yet ended (handshakes in flight included).</summary>
    public int Count => _sessions.Count;

    /// <summary>
    /// Registers the WebSocket handshake of <paramref name="context"/> (authenticated and authorized
    /// by now), before it is forwarded, so that no invalidation from here on can miss it.
    /// </summary>
    public async ValueTask<WebSocketSession> BeginAsync(HttpContext context)
    {
        var credential = CredentialOf(context);
        var session = new WebSocketSession(
            context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId ?? GatewayEndpointRoute.Other,
            credential,
            (context.User as GatewayPrincipal)?.UserId,
            await PolicyOfAsync(context.GetEndpoint()),
            _timeProvider);
        _sessions.TryAdd(session, 0);
        if (_stopping.IsCancellationRequested)
        {
            // A handshake on a kept-alive connection while shutting down: closed once accepted.
            session.Close(GatewayClose.Shutdown);
        }

        // An invalidation between this request's authentication and the line above found no
        // session to tell: a credential the cache no longer vouches for is checked again now.
        if (credential is not null && !_cache.Holds(credential.Key))
        {
            Revalidate(session);
        }

        return session;
    }

    /// <summary>The upgrade was accepted: counted as opened.</summary>
    public WebSocketSessionStream Accept(WebSocketSession session, Stream opaque)
    {
        var stream = session.Accept(opaque, _options.CurrentValue.CloseTimeout);
        _metrics.WebSocketOpened();
        return stream;
    }

    /// <summary>
    /// YARP has finished with the socket (or the handshake failed): the client's side is completed
    /// (see <see cref="WebSocketSessionStream.CompleteAsync"/>) and the session counted as closed.
    /// </summary>
    public async Task EndAsync(WebSocketSession session, HttpContext context)
    {
        session.End();
        _sessions.TryRemove(session, out _);
        if (session.Stream is not { } stream)
        {
            return;
        }

        var error = context.Features.Get<IForwarderErrorFeature>()?.Error;
        await stream.CompleteAsync(idle: error == ForwarderError.UpgradeActivityTimeout);
        var cause = CauseOf(stream, error);
        _metrics.WebSocketClosed(cause, _timeProvider.GetElapsedTime(session.AcceptedTimestamp).TotalSeconds);
        Log.Closed(_logger, session.Route, ProxyMetrics.NameOf(cause));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // While invalidations may be missed unseen, a cached answer lives DegradedTtl; a socket's
        // answer is renewed as often, so a revocation reaches it within the same bound as a request.
        using var timer = new PeriodicTimer(_cacheOptions.CurrentValue.DegradedTtl, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!_cache.InvalidationsLive)
                {
                    RevalidateWhere(static session => session.OpenedWith is not null);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _cache.Invalidated -= OnInvalidated;
        _revalidations.Dispose();
        base.Dispose();
    }

    internal static WebSocketCloseCause CauseOf(WebSocketSessionStream stream, ForwarderError? error) =>
        stream.RequestedClose?.Cause ?? stream.FirstClose ?? error switch
        {
            ForwarderError.UpgradeActivityTimeout => WebSocketCloseCause.IdleTimeout,
            ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeRequestCanceled
                or ForwarderError.UpgradeResponseClient or ForwarderError.UpgradeResponseCanceled => WebSocketCloseCause.ClientDisconnected,
            _ => WebSocketCloseCause.BackendDisconnected,
        };

    private void OnInvalidated(CacheInvalidation invalidation)
    {
        switch (invalidation.Target)
        {
            case InvalidationTarget.Credential:
                foreach (var session in _sessions.Keys)
                {
                    if (session.OpenedWith?.Key == invalidation.Credential)
                    {
                        // The auth service said so: no need to ask it again.
                        session.Close(GatewayClose.CredentialRevoked);
                        Log.Revoked(_logger, session.Route, invalidation.Credential);
                    }
                }

                break;
            case InvalidationTarget.User:
                RevalidateWhere(session => session.OpenedWith is not null && session.UserId == invalidation.UserId);
                break;
            case InvalidationTarget.All:
                RevalidateWhere(static session => session.OpenedWith is not null);
                break;
        }
    }

    private void RevalidateWhere(Func<WebSocketSession, bool> affected)
    {
        foreach (var session in _sessions.Keys)
        {
            if (affected(session))
            {
                Revalidate(session);
            }
        }
    }

    private void CloseAll(object? close)
    {
        foreach (var session in _sessions.Keys)
        {
            session.Close((GatewayClose)close!);
        }
    }

    private void Revalidate(WebSocketSession session)
    {
        if (session.RequestRevalidation())
        {
            _ = RevalidateAsync(session);
        }
    }

    /// <summary>Checks the session's credential and route policy until they are decided, again if asked meanwhile.</summary>
    private async Task RevalidateAsync(WebSocketSession session)
    {
        try
        {
            int seen;
            do
            {
                seen = session.RevalidationsRequested;
                if (await DecideAsync(session) is { } close)
                {
                    session.Close(close);
                    Log.NoLongerAllowed(_logger, session.Route, session.OpenedWith!.Key, ProxyMetrics.NameOf(close.Cause));
                    return;
                }
            }
            while (!session.RevalidationDone(seen));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: every socket is being closed anyway.
        }
        catch (Exception ex)
        {
            Log.RevalidationFailed(_logger, session.Route, ex);
        }
    }

    /// <summary>The close the session's credential now calls for, or null when it may stay open (or has ended).</summary>
    private async Task<GatewayClose?> DecideAsync(WebSocketSession session)
    {
        var credential = session.OpenedWith!;
        while (!session.Ended)
        {
            AuthLookup lookup;
            await _revalidations.WaitAsync(_stopping);
            try
            {
                // As the handler does: a fresh cached answer first (one stored since the invalidation).
                if (_cache.TryGetValid(credential.Key, out var cached, out var refreshDue))
                {
                    if (refreshDue)
                    {
                        _lookups.Refresh(credential.Key, credential.Text, credential.LookupContext);
                    }

                    lookup = AuthLookup.Valid(cached, expiresAt: null);
                }
                else
                {
                    lookup = await _lookups.ValidateAsync(credential.Key, credential.Text, credential.LookupContext, _stopping);
                }
            }
            finally
            {
                _revalidations.Release();
            }

            switch (lookup.Status)
            {
                case AuthLookupStatus.Valid:
                    return session.Policy is { } policy && !await AuthorizedAsync(lookup.Principal!, policy) ? GatewayClose.AccessRevoked : null;
                case AuthLookupStatus.Invalid:
                    return GatewayClose.CredentialRevoked;
            }

            // Not decided (auth unavailable, lookup slots busy): the socket stays open meanwhile.
            Log.Undecided(_logger, session.Route, credential.Key);
            await Task.Delay(lookup.RetryAfter > MinRetry ? lookup.RetryAfter : MinRetry, _timeProvider, _stopping);
        }

        return null;
    }

    private async Task<bool> AuthorizedAsync(GatewayPrincipal principal, AuthorizationPolicy policy)
    {
        // Authorization handlers may be scoped; this runs outside any request.
        await using var scope = _scopes.CreateAsyncScope();
        var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(principal, resource: null, policy)).Succeeded;
    }

    /// <summary>
    /// The handshake's credential, with a request of its own for later lookups: the handshake's
    /// <see cref="HttpContext"/> belongs to Kestrel and is not to be used from another thread (or
    /// after the request), and the lookups need only who the client is.
    /// </summary>
    private static WebSocketSession.Credential? CredentialOf(HttpContext context)
    {
        if (context.User is not GatewayPrincipal
            || CredentialReader.Read(context.Request.Headers, out var source, out var credential, out _) != CredentialPresence.Present)
        {
            return null;
        }

        var lookupContext = new DefaultHttpContext();
        lookupContext.Connection.RemoteIpAddress = context.Connection.RemoteIpAddress;
        lookupContext.Connection.RemotePort = context.Connection.RemotePort;
        if (context.Request.Headers.TryGetValue(ForwardedFor, out var forwardedFor))
        {
            lookupContext.Request.Headers[ForwardedFor] = forwardedFor;
        }

        return new WebSocketSession.Credential(CredentialKey.From(credential), CredentialReader.Text(source, credential), lookupContext);
    }

    private const string ForwardedFor = "X-Forwarded-For";

    /// <summary>The route's policy as ASP.NET's authorization middleware combined it; null for a route that allows anonymous callers.</summary>
    private async ValueTask<AuthorizationPolicy?> PolicyOfAsync(Endpoint? endpoint)
    {
        if (endpoint is null || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return null;
        }

        return await AuthorizationPolicy.CombineAsync(
            _policies, endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket on route {Route} closed: credential {CredentialTag} was revoked")]
        public static partial void Revoked(ILogger logger, string route, CredentialKey credentialTag);

        [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket on route {Route} closed after its credential {CredentialTag} was checked again: {Reason}")]
        public static partial void NoLongerAllowed(ILogger logger, string route, CredentialKey credentialTag, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket on route {Route}: credential {CredentialTag} could not be checked again yet; it stays open until it can be")]
        public static partial void Undecided(ILogger logger, string route, CredentialKey credentialTag);

        [LoggerMessage(Level = LogLevel.Warning, Message = "WebSocket on route {Route}: checking its credential again failed")]
        public static partial void RevalidationFailed(ILogger logger, string route, Exception exception);

        [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket on route {Route} ended: {Reason}")]
        public static partial void Closed(ILogger logger, string route, string reason);
    }
}

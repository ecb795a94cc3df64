using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Authorization;

namespace Gateway.Proxy.WebSockets;

/// <summary>
/// One WebSocket through the gateway, from its handshake until both connections are done: what it
/// was opened with (credential, caller, route policy) so the gateway can decide again whether it
/// may stay open, and its client-side stream once the upgrade was accepted.
/// </summary>
internal sealed class WebSocketSession : IUpgradedRequestFeature
{
    private readonly TimeProvider _timeProvider;
    private WebSocketSessionStream? _stream;
    private GatewayClose? _pendingClose;
    private int _revalidationsRequested;
    private int _revalidating;
    private volatile bool _ended;

    public WebSocketSession(string route, Credential? credential, string? userId, AuthorizationPolicy? policy, TimeProvider timeProvider)
    {
        Route = route;
        OpenedWith = credential;
        UserId = userId;
        Policy = policy;
        _timeProvider = timeProvider;
    }

    /// <summary>The YARP route id.</summary>
    public string Route { get; }

    /// <summary>The credential of the handshake; null for an anonymous socket (nothing to revoke).</summary>
    public Credential? OpenedWith { get; }

    public string? UserId { get; }

    /// <summary>The route's combined authorization policy; null when the route allows anonymous callers.</summary>
    public AuthorizationPolicy? Policy { get; }

    public long AcceptedTimestamp { get; private set; }

    public WebSocketSessionStream? Stream => Volatile.Read(ref _stream);

    public bool Ended => _ended;

    /// <summary>The upgrade was accepted: from here on the gateway can close the socket cleanly.</summary>
    public WebSocketSessionStream Accept(Stream opaque, TimeSpan closeTimeout)
    {
        AcceptedTimestamp = _timeProvider.GetTimestamp();
        var stream = new WebSocketSessionStream(opaque, closeTimeout, _timeProvider);
        // A full fence, as in Close: a close racing this line is seen by one side or the other.
        Interlocked.Exchange(ref _stream, stream);
        // A close asked for during the handshake is applied now (see Close).
        if (Volatile.Read(ref _pendingClose) is { } pending)
        {
            stream.RequestClose(pending);
        }

        return stream;
    }

    /// <summary>Closes the socket (see <see cref="WebSocketSessionStream.RequestClose"/>), or, before the upgrade, as soon as it is accepted.</summary>
    public void Close(GatewayClose close)
    {
        Interlocked.CompareExchange(ref _pendingClose, close, null);
        Stream?.RequestClose(close);
    }

    public void End() => _ended = true;

    /// <summary>
    /// Asks for the credential to be checked again; true when the caller should start the check
    /// (none is running). A check running already goes round once more (see <see cref="RevalidationDone"/>).
    /// </summary>
    public bool RequestRevalidation()
    {
        Interlocked.Increment(ref _revalidationsRequested);
        return Interlocked.CompareExchange(ref _revalidating, 1, 0) == 0;
    }

    /// <summary>The requests seen so far, for <see cref="RevalidationDone"/>.</summary>
    public int RevalidationsRequested => Volatile.Read(ref _revalidationsRequested);

    /// <summary>
    /// The check that began after <paramref name="requestsSeen"/> requests has decided; true when
    /// no request came meanwhile (an answer obtained before an invalidation may predate it).
    /// </summary>
    public bool RevalidationDone(int requestsSeen)
    {
        Volatile.Write(ref _revalidating, 0);
        return RevalidationsRequested == requestsSeen || Interlocked.CompareExchange(ref _revalidating, 1, 0) != 0;
    }

    /// <summary>A credential as the handshake presented it: the cache key and the text the auth service is asked about.</summary>
    internal sealed record Credential(CredentialKey Key, string Text, HttpContext LookupContext);
}

using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.WebSockets;

/// <summary>
/// First in YARP's proxy pipeline (so after authentication, rate limiting and authorization: a
/// handshake is a request like any other): registers a WebSocket handshake as a session and swaps
/// in upgrade features that wrap the client's stream once the backend accepts. Other requests pass
/// at the cost of a method and header comparison.
/// </summary>
internal sealed class WebSocketSessionMiddleware(RequestDelegate next, WebSocketSessions sessions)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (WebSocketRequests.Upgrade(context) is { } upgrade)
        {
            return ForwardAsync(context, upgrade, connect: null);
        }

        if (WebSocketRequests.ExtendedConnect(context) is { } connect)
        {
            return ForwardAsync(context, upgrade: null, connect);
        }

        return next(context);
    }

    private async Task ForwardAsync(HttpContext context, IHttpUpgradeFeature? upgrade, IHttpExtendedConnectFeature? connect)
    {
        var session = await sessions.BeginAsync(context);
        context.Features.Set<Telemetry.IUpgradedRequestFeature>(session);
        if (upgrade is not null)
        {
            context.Features.Set<IHttpUpgradeFeature>(new SessionUpgradeFeature(upgrade, context, session, sessions));
        }
        else
        {
            context.Features.Set<IHttpExtendedConnectFeature>(new SessionConnectFeature(connect!, session, sessions));
        }

        try
        {
            await next(context);
        }
        finally
        {
            if (upgrade is not null)
            {
                context.Features.Set(upgrade);
            }
            else
            {
                context.Features.Set(connect);
            }

            await sessions.EndAsync(session, context);
        }
    }
}

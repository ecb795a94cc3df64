using System.Net;
using Gateway.Proxy.Authentication;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// On every route: the backend learns who the caller is from headers only the gateway sets.
/// <list type="bullet">
/// <item>Client-sent <c>X-User-*</c> and <c>X-Gateway-*</c> headers are dropped (no spoofing).</item>
/// <item><c>X-User-Id</c>, <c>X-User-Name</c>, <c>X-User-Plan</c>, <c>X-User-Roles</c> are set for an authenticated caller.</item>
/// <item><c>Authorization</c> and <c>X-Api-Key</c> are not forwarded unless the route's metadata
/// says <c>ForwardCredentials: true</c>.</item>
/// <item><c>X-Forwarded-For</c> is the socket address, or the incoming chain plus the socket
/// address when the peer is a trusted proxy; <c>Forwarded</c> from clients is dropped.</item>
/// </list>
/// </summary>
internal sealed class IdentityTransformProvider(ClientAddressResolver clients) : ITransformProvider
{
    public const string UserIdHeader = "X-User-Id";
    public const string UserNameHeader = "X-User-Name";
    public const string UserPlanHeader = "X-User-Plan";
    public const string UserRolesHeader = "X-User-Roles";

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // The gateway sets its own forwarding headers; YARP's defaults would append to client values.
        context.UseDefaultForwarders = false;

        var forwardCredentials = context.Route.Metadata is { } metadata
            && metadata.TryGetValue(ForwardingOptions.ForwardCredentialsMetadata, out var value)
            && bool.TryParse(value, out var forward) && forward;

        context.AddRequestTransform(transform =>
        {
            var request = transform.HttpContext.Request;
            var outgoing = transform.ProxyRequest.Headers;

            foreach (var header in request.Headers)
            {
                if (header.Key.StartsWith("X-User-", StringComparison.OrdinalIgnoreCase)
                    || header.Key.StartsWith("X-Gateway-", StringComparison.OrdinalIgnoreCase))
                {
                    outgoing.Remove(header.Key);
                }
            }

            if (!forwardCredentials)
            {
                outgoing.Remove("Authorization");
                outgoing.Remove(GatewayAuthentication.ApiKeyHeader);
            }

            if (transform.HttpContext.User is GatewayPrincipal caller)
            {
                outgoing.TryAddWithoutValidation(UserIdHeader, caller.UserId);
                outgoing.TryAddWithoutValidation(UserNameHeader, caller.UserName);
                outgoing.TryAddWithoutValidation(UserPlanHeader, caller.Plan);
                outgoing.TryAddWithoutValidation(UserRolesHeader, caller.RolesHeader);
            }

            SetForwardedFor(transform);
            return ValueTask.CompletedTask;
        });
    }

    private void SetForwardedFor(RequestTransformContext transform)
    {
        var outgoing = transform.ProxyRequest.Headers;
        var remote = transform.HttpContext.Connection.RemoteIpAddress;
        var incoming = transform.HttpContext.Request.Headers["X-Forwarded-For"];

        outgoing.Remove("X-Forwarded-For");
        outgoing.Remove("Forwarded");
        if (remote is null)
        {
            return;
        }

        var socket = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        var value = socket.ToString();
        if (incoming.Count > 0 && clients.IsTrusted(socket))
        {
            value = string.Join(", ", [.. incoming, value]);
        }

        outgoing.TryAddWithoutValidation("X-Forwarded-For", value);
        outgoing.TryAddWithoutValidation("X-Forwarded-Proto", transform.HttpContext.Request.Scheme);
        outgoing.TryAddWithoutValidation("X-Forwarded-Host", transform.HttpContext.Request.Host.Value);
    }
}

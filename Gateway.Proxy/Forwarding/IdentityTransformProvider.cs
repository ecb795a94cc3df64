using System.Collections.Frozen;
using Gateway.Proxy.Authentication;
using Gateway.ServiceDefaults.ClientAddresses;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forwarding;

/// <summary>
/// On every route: the backend learns who the caller is from headers only the gateway sets.
/// <list type="bullet">
/// <item>Client-sent <c>X-User-*</c> and <c>X-Gateway-*</c> headers are dropped (no spoofing), also when
/// spelled with underscores (<c>X_User_Id</c>): CGI-style backends (PHP, WSGI, Rack) read
/// <c>X_User_Id</c> and <c>X-User-Id</c> as the same variable.</item>
/// <item><c>X-User-Id</c>, <c>X-User-Name</c>, <c>X-User-Plan</c>, <c>X-User-Roles</c> are set for an authenticated caller.</item>
/// <item><c>Authorization</c> and <c>X-Api-Key</c> are not forwarded unless the route's metadata
/// says <c>ForwardCredentials: true</c>.</item>
/// <item><c>X-Forwarded-For</c> is the one client address the gateway resolved (the socket address,
/// or from a trusted proxy the right-most untrusted entry of its chain: never entries a client put
/// in front). <c>X-Forwarded-Proto</c>/<c>-Host</c> are the gateway's own unless a trusted proxy
/// sent them; every other client-sent <c>X-Forwarded-*</c>, <c>Forwarded</c> and <c>X-Real-IP</c> is
/// dropped.</item>
/// <item>The headers of <see cref="ForwardingOptions.EffectiveStripHeaders"/> (other client-address
/// claims, URL rewrite and method override headers) are dropped.</item>
/// </list>
/// </summary>
internal sealed class IdentityTransformProvider(ClientAddressResolver clients, IOptions<ForwardingOptions> options) : ITransformProvider
{
    private readonly FrozenSet<string> _stripped = options.Value.EffectiveStripHeaders().ToFrozenSet(HeaderNameComparer.Instance);

    public const string UserIdHeader = "X-User-Id";
    public const string UserNameHeader = "X-User-Name";
    public const string UserPlanHeader = "X-User-Plan";
    public const string UserRolesHeader = "X-User-Roles";

    /// <summary>Route metadata key: <c>"true"</c> forwards the caller's Authorization/X-Api-Key header.</summary>
    public const string ForwardCredentialsMetadata = "ForwardCredentials";

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
            && metadata.TryGetValue(ForwardCredentialsMetadata, out var value)
            && bool.TryParse(value, out var forward) && forward;

        context.AddRequestTransform(transform =>
        {
            var outgoing = transform.ProxyRequest.Headers;
            RemoveClientSentGatewayHeaders(outgoing);

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

    /// <summary>
    /// Drops what YARP copied from the client that only the gateway may say: identity headers
    /// (<see cref="IsGatewayOwned"/>), proxy-chain headers (<see cref="IsForwardingHeader"/>, set
    /// again by <see cref="SetForwardedFor"/>) and the configured strip list. A client rarely sends any, so the copied headers are
    /// first only looked at (a struct enumerator: no allocation) and collected only when one is found.
    /// </summary>
    private void RemoveClientSentGatewayHeaders(System.Net.Http.Headers.HttpRequestHeaders outgoing)
    {
        List<string>? found = null;
        foreach (var header in outgoing.NonValidated)
        {
            if (IsGatewayOwned(header.Key) || IsForwardingHeader(header.Key) || _stripped.Contains(header.Key))
            {
                (found ??= []).Add(header.Key);
            }
        }

        if (found is null)
        {
            return;
        }

        foreach (var name in found)
        {
            outgoing.Remove(name);
        }
    }

    /// <summary>
    /// Headers only the gateway may set: <c>X-User-*</c> and <c>X-Gateway-*</c>, in any case and with
    /// '_' in place of '-' (which many backends treat alike).
    /// </summary>
    internal static bool IsGatewayOwned(string headerName) =>
        HasPrefix(headerName, "x-user-") || HasPrefix(headerName, "x-gateway-");

    /// <summary>Proxy-chain headers: believed only from a trusted proxy, otherwise replaced or dropped.</summary>
    internal static bool IsForwardingHeader(string headerName) =>
        HasPrefix(headerName, "x-forwarded-") || HasPrefix(headerName, "x-real-ip") || HasPrefix(headerName, "forwarded");

    /// <summary>Case-insensitive prefix match in which '_' and '-' are the same character.</summary>
    private static bool HasPrefix(string name, string lowerCasePrefix)
    {
        if (name.Length < lowerCasePrefix.Length)
        {
            return false;
        }

        for (var i = 0; i < lowerCasePrefix.Length; i++)
        {
            var c = char.ToLowerInvariant(name[i]);
            if (c == '_')
            {
                c = '-';
            }

            if (c != lowerCasePrefix[i])
            {
                return false;
            }
        }

        return true;
    }

    private void SetForwardedFor(RequestTransformContext transform)
    {
        var outgoing = transform.ProxyRequest.Headers;
        var request = transform.HttpContext.Request;
        var remote = transform.HttpContext.Connection.RemoteIpAddress;
        var socket = remote is { IsIPv4MappedToIPv6: true } ? remote.MapToIPv4() : remote;

        // The client's own proxy-chain headers are gone (RemoveClientSentGatewayHeaders): otherwise
        // a client could claim https, another host, a path prefix or a client address (X-Real-IP,
        // X_Forwarded_For, Forwarded) to the backend.
        if (socket is null || clients.Resolve(transform.HttpContext) is not { } client)
        {
            return;
        }

        // Only the address the gateway itself decided on (what its limits and logs use): entries
        // in front of it are whatever the client wrote, and a backend reading the left-most entry
        // (a common default) would believe them.
        outgoing.TryAddWithoutValidation("X-Forwarded-For", client.ToString());

        var trusted = clients.IsTrusted(socket);
        var incomingProto = request.Headers["X-Forwarded-Proto"];
        var incomingHost = request.Headers["X-Forwarded-Host"];
        outgoing.TryAddWithoutValidation("X-Forwarded-Proto", trusted && incomingProto.Count > 0 ? incomingProto.ToString() : request.Scheme);
        outgoing.TryAddWithoutValidation("X-Forwarded-Host", trusted && incomingHost.Count > 0 ? incomingHost.ToString() : request.Host.Value);
    }
}

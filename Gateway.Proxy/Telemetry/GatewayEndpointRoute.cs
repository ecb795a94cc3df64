namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Endpoint metadata naming an endpoint the gateway answers itself (not proxied) in the
/// <c>route</c> tag of its metrics and in the dashboard's routes table. A fixed, small set of
/// names: without it the only name such an endpoint has is its framework display name
/// (<c>HTTP: POST /auth/login =&gt; LoginAsync</c>, <c>Health checks</c>), one per handler,
/// which reads like a route and multiplies metric series.
/// </summary>
internal sealed class GatewayEndpointRoute
{
    /// <summary>Sign-up, login, logout and API keys (<c>/auth/*</c>).</summary>
    public static readonly GatewayEndpointRoute Accounts = new("(gateway) accounts");

    /// <summary>Readiness and liveness (<c>/health</c>, <c>/alive</c>).</summary>
    public static readonly GatewayEndpointRoute Health = new("(gateway) health");

    /// <summary>The operators' diagnostics endpoint.</summary>
    public static readonly GatewayEndpointRoute Diagnostics = new("(gateway) diagnostics");

    /// <summary>The runtime configuration's admin API (<c>/gateway/config</c>).</summary>
    public static readonly GatewayEndpointRoute Configuration = new("(gateway) configuration");

    /// <summary>An endpoint of the gateway's own that was mapped without a name: still not its display name.</summary>
    public const string Other = "(gateway) other";

    /// <summary>No endpoint matched (a path no route serves, answered 404).</summary>
    public const string NoRoute = "(no route)";

    private GatewayEndpointRoute(string name) => Name = name;

    public string Name { get; }
}

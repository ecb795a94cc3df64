namespace Gateway.Proxy.Authorization;

/// <summary>A named route policy from configuration (<c>Gateway:Authorization:Policies:&lt;name&gt;</c>).</summary>
internal sealed class RoutePolicyOptions
{
    /// <summary>The caller needs at least one of these roles (if any are listed).</summary>
    public string[] Roles { get; set; } = [];

    /// <summary>The caller's plan must be one of these (if any are listed).</summary>
    public string[] Plans { get; set; } = [];
}

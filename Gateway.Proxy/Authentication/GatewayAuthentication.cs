namespace Gateway.Proxy.Authentication;

/// <summary>Names shared by the authentication handler, policies and identity forwarding.</summary>
internal static class GatewayAuthentication
{
    /// <summary>The authentication scheme backed by the auth service.</summary>
    public const string Scheme = "Gateway";

    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Claim types of the principal the handler builds (short names, no XML namespaces).</summary>
    public static class Claims
    {
        public const string UserId = "sub";
        public const string UserName = "name";
        public const string Plan = "plan";
        public const string Role = "role";
        public const string RequestsPerWindow = "rate_limit";
        public const string WindowSeconds = "rate_window";
        public const string CredentialKind = "credential_kind";
    }

    /// <summary>
    /// <see cref="Microsoft.AspNetCore.Http.HttpContext.Items"/> key set (to the <c>Retry-After</c> span)
    /// when the auth service could not answer, or the replica's lookup slots were all busy: 503.
    /// </summary>
    public static readonly object UnavailableItemKey = new();

    /// <summary>
    /// <see cref="Microsoft.AspNetCore.Http.HttpContext.Items"/> key set (to the <c>Retry-After</c> span)
    /// when the client already had its share of lookups in flight: 429.
    /// </summary>
    public static readonly object ClientBusyItemKey = new();

    /// <summary>The request's credential could not be checked (neither accepted nor rejected).</summary>
    public static bool IsUndecided(Microsoft.AspNetCore.Http.HttpContext context) =>
        context.Items.Count > 0 && (context.Items.ContainsKey(UnavailableItemKey) || context.Items.ContainsKey(ClientBusyItemKey));

    /// <summary>
    /// <see cref="Microsoft.AspNetCore.Http.HttpContext.Items"/> key set when the request presented a
    /// malformed, unknown, expired or revoked credential (not when the auth service could not answer).
    /// </summary>
    public static readonly object RejectedCredentialItemKey = new();
}

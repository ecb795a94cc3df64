using Microsoft.AspNetCore.Authentication;

namespace Gateway.Proxy.Authentication;

internal sealed class GatewayAuthenticationOptions : AuthenticationSchemeOptions;

using System.Globalization;
using System.Text.Encodings.Web;
using Gateway.Proxy.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Proxy.Authentication;

internal sealed class GatewayAuthenticationOptions : AuthenticationSchemeOptions;

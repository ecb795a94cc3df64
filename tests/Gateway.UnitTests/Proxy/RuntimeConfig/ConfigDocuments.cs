using Gateway.Proxy.RateLimiting;
using Gateway.Proxy.Routing;
using Gateway.Proxy.RuntimeConfig;
using Gateway.UnitTests.Proxy.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.UnitTests.Proxy.RuntimeConfig;

/// <summary>Documents and a validator with YARP's real <see cref="IConfigValidator"/> for the runtime configuration tests.</summary>
internal static class ConfigDocuments
{
    /// <summary>The shape of Gateway.Proxy/appsettings.json's proxy settings, trimmed, as an admin would write it.</summary>
    public const string Shipped = """
        {
          "routes": {
            "public": { "clusterId": "sampleapi", "authorizationPolicy": "anonymous", "rateLimiterPolicy": "per-ip", "match": { "path": "/public/{**rest}" } },
            "api": { "clusterId": "sampleapi", "authorizationPolicy": "authenticated", "rateLimiterPolicy": "per-user", "match": { "path": "/api/{**rest}" } },
            "admin": { "clusterId": "sampleapi", "authorizationPolicy": "admin", "rateLimiterPolicy": "per-user", "match": { "path": "/admin/{**rest}" } },
            "greeter": { "ClusterId": "sampleapi-grpc", "AuthorizationPolicy": "authenticated", "Match": { "Path": "/gateway.sample.v1.Greeter/{method}", "Methods": [ "POST" ] } }
          },
          "clusters": {
            "sampleapi": {
              "httpRequest": { "activityTimeout": "00:00:05" },
              "healthCheck": { "availableDestinationsPolicy": "HealthyAndUnknown", "passive": { "enabled": true, "policy": "TransportFailureRate", "reactivationPeriod": "00:00:10" } },
              "destinations": { "sampleapi": { "address": "https+http://sampleapi" } }
            },
            "sampleapi-grpc": {
              "HttpRequest": { "Version": "2", "VersionPolicy": "RequestVersionExact" },
              "Destinations": { "sampleapi": { "Address": "http://_grpc.sampleapi" } }
            }
          },
          "authorizationPolicies": { "admin": { "roles": [ "admin" ] }, "pro-plan": { "plans": [ "pro" ] } },
          "rateLimitPolicies": {
            "per-user": { "partition": "User", "failMode": "Local", "anonymousLimit": 60 },
            "per-ip": { "partition": "ClientIp", "limit": 600, "windowSeconds": 60 },
            "failed-credentials": { "partition": "ClientIp", "limit": 60, "mode": "Batched" },
            "auth-endpoints": { "partition": "ClientIp", "limit": 30, "mode": "Strict" }
          },
          "plans": { "free": { "requestsPerWindow": 60 }, "pro": { "requestsPerWindow": 600, "windowSeconds": 60 } }
        }
        """;

    public static GatewayConfigDocument Parse(string json) =>
        ConfigDocumentJson.TryParse(json, out var error) ?? throw new InvalidOperationException(error);

    /// <summary>The validator over YARP's own <see cref="IConfigValidator"/>, from a real service collection.</summary>
    public static ConfigDocumentValidator Validator(OverlapCheckMode overlaps = OverlapCheckMode.Refuse)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRouting();
        // As the proxy registers it (AuthorizationExtensions); the rest come from the version.
        services.AddAuthorizationBuilder().AddPolicy("authenticated", policy => policy.RequireAuthenticatedUser());
        services.AddRateLimiter(_ => { });
        services.AddCors();
        services.AddReverseProxy();
        var provider = services.BuildServiceProvider();
        return new ConfigDocumentValidator(
            provider.GetRequiredService<IConfigValidator>(),
            new StaticOptionsMonitor<RoutingOptions>(new RoutingOptions { OverlapCheck = overlaps }),
            new StaticOptionsMonitor<RateLimitingOptions>(new RateLimitingOptions { FailedCredentialPolicy = "failed-credentials" }));
    }
}

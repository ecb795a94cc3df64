using Gateway.AppHost;
using Gateway.AppHost.Infrastructure;
using Gateway.AppHost.Listeners;
using Gateway.Contracts.Redis;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// Shared state: Aspire containers when a container runtime is healthy (always when publishing),
// host-installed redis-server and postgres otherwise; Redis as one server, a six-node cluster
// (Infrastructure:RedisTopology=Cluster) or someone else's (Infrastructure:Redis=External). See Infrastructure/.
var infrastructure = builder.AddGatewayInfrastructure();
var authDb = infrastructure.AuthDatabase;

// HTTPS for the client-facing services: the operator's certificate (Gateway:Tls), else in run mode
// one the AppHost creates for localhost; in publish mode TLS is the platform ingress'. See Listeners/.
var certificate = ServerCertificate.Add(builder);

// A small downstream service, so routing, timeouts and breakers have something to show; its
// gRPC service (protos/gateway/sample/v1) on its own h2c endpoint, health on http.
var sampleApi = builder.AddProject<Projects.Gateway_SampleApi>(ResourceNames.SampleApi)
    .WithDirectHttpEndpoint()
    .WithGrpcEndpoint()
    .WithHttpHealthCheck("/health");

// The dashboard's own credential towards the auth service (it re-checks signed-in admins' roles).
var dashboardServiceKey = builder.AddParameter(
    "dashboard-service-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// Identity: users, credentials, tokens and API keys over gRPC (internal only).
var auth = builder.AddProject<Projects.Gateway_Auth>(ResourceNames.Auth)
    .WithDirectHttpEndpoint()
    .WithGrpcEndpoint()
    .WithDemoUsers(builder)
    .WithEnvironment("Auth__Dashboard__ServiceKey", dashboardServiceKey)
    .WithEnvironment($"ConnectionStrings__{ResourceNames.AuthDatabase}", infrastructure.AuthDatabaseConnection).WaitFor(authDb)
    .WithRedisUser(infrastructure, RedisUsers.Auth)
    .WithHttpHealthCheck("/health");

// The single public entry point, several replicas sharing state through Redis.
var proxyReplicas = builder.Configuration.GetValue("Gateway:ProxyReplicas", 2);
builder.AddProject<Projects.Gateway_Proxy>(ResourceNames.Proxy)
    .WithReplicas(proxyReplicas)
    .WithEnvironment("Gateway__RateLimiting__Replicas", proxyReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture))
    .WithGatewayListeners(certificate, "Gateway:ProxyPort", "Gateway:ProxyHttpsPort", h2cPortKey: "Gateway:ProxyH2cPort")
    .WithExternalHttpEndpoints()
    .WithAllowedHosts(builder)
    .WithReference(sampleApi).WaitFor(sampleApi)
    .WithReference(auth).WaitFor(auth)
    .WithRedisUser(infrastructure, RedisUsers.Proxy)
    .WithHttpHealthCheck("/health", endpointName: "http");

// The live dashboard, fed by every proxy replica through Redis.
builder.AddProject<Projects.Gateway_Dashboard>(ResourceNames.Dashboard)
    .WithGatewayListeners(certificate, "Gateway:DashboardPort", "Gateway:DashboardHttpsPort")
    .WithOperatorKey(builder)
    .WithEnvironment("Dashboard__Security__AuthServiceKey", dashboardServiceKey)
    .WithExternalHttpEndpoints()
    .WithReference(auth).WaitFor(auth)
    .WithRedisUser(infrastructure, RedisUsers.Dashboard)
    .WithHttpHealthCheck("/health", endpointName: "http");

builder.Build().Run();

using Gateway.Proxy.Accounts;
using Gateway.Proxy.Extensions;
using Gateway.Proxy.RuntimeConfig;
using Gateway.Proxy.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseGatewayErrors();
app.UseGatewayPipeline();

app.MapDefaultEndpoints().WithMetadata(GatewayEndpointRoute.Health);
app.MapAccountsApi();
app.MapDiagnosticsApi(policy: ConfigDocumentValidator.AdminPolicy);
app.MapConfigApi();
app.MapReverseProxy(proxy => proxy.UseGatewayForwarding())
    .ConfigureEndpoints(app.Services.GetRequiredService<RouteRateLimiting>().Apply);

app.Run();

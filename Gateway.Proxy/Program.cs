using Gateway.Proxy.Accounts;
using Gateway.Proxy.Extensions;
using Gateway.Proxy.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseGatewayErrors();
app.UseGatewayPipeline();

app.MapDefaultEndpoints().WithMetadata(GatewayEndpointRoute.Health);
app.MapAccountsApi();
app.MapDiagnosticsApi(policy: "admin");
app.MapReverseProxy(proxy => proxy.UseGatewayForwarding());

app.Run();

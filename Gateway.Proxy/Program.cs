using Gateway.Proxy.Accounts;
using Gateway.Proxy.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseGatewayErrors();

app.MapDefaultEndpoints();
app.MapAccountsApi();
app.MapReverseProxy();

app.Run();

using Gateway.Proxy.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseGatewayErrors();

app.MapDefaultEndpoints();
app.MapReverseProxy();

app.Run();

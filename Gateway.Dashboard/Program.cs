using Gateway.Dashboard;
using Gateway.Dashboard.Apis;
using Gateway.Dashboard.Components;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDashboardAggregation();
builder.AddDashboardSecurity();

var app = builder.Build();

app.UseDashboardPipeline();

app.MapDefaultEndpoints();
app.MapAccountApi();
app.MapStreamApi();
app.MapRazorComponents<App>();

app.Run();

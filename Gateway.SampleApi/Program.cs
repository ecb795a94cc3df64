using Gateway.SampleApi.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton<Chaos>();
builder.Services.AddHealthChecks().AddCheck<ChaosHealthCheck>("chaos");

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapSampleApi();

app.Run();

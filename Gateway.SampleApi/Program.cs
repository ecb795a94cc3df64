using Gateway.SampleApi.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton<Chaos>();
builder.Services.AddSingleton<HeldStreams>();
builder.Services.AddHealthChecks().AddCheck<ChaosHealthCheck>("chaos");

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseWebSockets();

app.MapDefaultEndpoints();
app.MapSampleApi();

app.Run();

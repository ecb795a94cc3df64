using Gateway.SampleApi.Apis;
using Gateway.SampleApi.Grpc;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton<Chaos>();
builder.Services.AddSingleton<HeldStreams>();
builder.Services.AddHealthChecks().AddCheck<ChaosHealthCheck>("chaos");
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddGrpc();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseWebSockets();

app.MapDefaultEndpoints();
app.MapSampleApi();
app.MapGrpcService<GreeterService>();

app.Run();

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddRedisClient("redis");

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGet("/", () => Results.Content(
    "<!doctype html><title>Gateway dashboard</title><h1>Gateway dashboard</h1><p>Live metrics arrive here in a later release.</p>",
    "text/html; charset=utf-8"));

app.Run();

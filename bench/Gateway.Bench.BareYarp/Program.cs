using Gateway.Bench.BareYarp.Extensions;

// The baseline the gateway is measured against: YARP with the gateway's Kestrel settings and
// nothing else in the pipeline.
var builder = WebApplication.CreateBuilder(args);

builder.AddBareYarp();

var app = builder.Build();

app.MapReverseProxy();

app.Run();

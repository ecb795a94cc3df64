namespace Gateway.Auth.Extensions;

internal static class ApplicationServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Connection names match the AppHost's resource names.
        builder.AddNpgsqlDataSource("authdb");
        builder.AddRedisClient("redis");

        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks();
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddGrpcReflection();
        }

        return builder;
    }

    public static WebApplication MapGrpcServices(this WebApplication app)
    {
        // grpc.health.v1 reports the same checks as HTTP /health.
        app.MapGrpcHealthChecksService();
        if (app.Environment.IsDevelopment())
        {
            app.MapGrpcReflectionService();
        }

        return app;
    }
}

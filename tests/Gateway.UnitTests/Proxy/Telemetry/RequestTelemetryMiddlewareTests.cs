using System.Diagnostics.Metrics;
using Gateway.Proxy.GrpcCalls;
using Gateway.Proxy.Telemetry;
using Gateway.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.UnitTests.Proxy.Telemetry;

/// <summary>
/// The route name the proxy's metrics (and so the dashboard's routes table) give each request:
/// YARP route ids and a few fixed gateway names, never an endpoint's display name.
/// </summary>
public sealed class RequestTelemetryMiddlewareTests
{
    [Fact]
    public void RouteOf_ProxiedRoute_IsTheYarpRouteId()
    {
        var route = new RouteModel(new RouteConfig { RouteId = "api", ClusterId = "sampleapi" }, cluster: null, HttpTransformer.Empty);

        Assert.Equal("api", RouteOf(new Endpoint(null, new EndpointMetadataCollection(route), "api")));
    }

    [Fact]
    public void RouteOf_GatewayEndpoint_IsItsFixedName_NotItsDisplayName()
    {
        var login = new Endpoint(null, new EndpointMetadataCollection(GatewayEndpointRoute.Accounts), "HTTP: POST /auth/login => LoginAsync");

        Assert.Equal("(gateway) accounts", RouteOf(login));
    }

    [Fact]
    public void RouteOf_EndpointWithoutAName_IsOther_NotItsDisplayName()
    {
        var unnamed = new Endpoint(null, EndpointMetadataCollection.Empty, "HTTP: GET /something => Handler");

        Assert.Equal(GatewayEndpointRoute.Other, RouteOf(unnamed));
    }

    [Fact]
    public void RouteOf_NoEndpoint_IsNoRoute() => Assert.Equal(GatewayEndpointRoute.NoRoute, RouteOf(null));

    [Fact]
    public void MapDefaultEndpoints_WithHealthName_BothHealthEndpointsAreNamedAndKeepTheirPaths()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddHealthChecks();
        using var app = builder.Build();

        // As the proxy's Program.cs maps them.
        app.MapDefaultEndpoints().WithMetadata(GatewayEndpointRoute.Health);

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();
        Assert.Equal(["/alive", "/health"], endpoints.Select(e => e.RoutePattern.RawText).Order(StringComparer.Ordinal));
        Assert.All(endpoints, e => Assert.Equal("(gateway) health", RouteOf(e)));
    }

    [Theory]
    [InlineData(null, 200)]
    [InlineData(429, 429)]
    [InlineData(401, 401)]
    public async Task Invoke_GrpcCallRefusedByTheGateway_CountedAsTheStatusItStandsFor(int? refusedWith, int counted)
    {
        using var meters = new TestMeterFactory();
        var metrics = new ProxyMetrics(meters);
        var statuses = new List<object?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, metrics.RequestDuration))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == ProxyMetrics.StatusCodeTag)
                {
                    statuses.Add(tag.Value);
                }
            }
        });
        listener.Start();
        var middleware = new RequestTelemetryMiddleware(
            context =>
            {
                // A gRPC response is 200 whatever its grpc-status (GrpcProblemDetailsWriter).
                context.Response.StatusCode = StatusCodes.Status200OK;
                if (refusedWith is { } status)
                {
                    context.Features.Set(new GrpcRefusal(status));
                }

                return Task.CompletedTask;
            },
            metrics,
            NullLoggerFactory.Instance,
            TimeProvider.System);

        await middleware.InvokeAsync(new DefaultHttpContext());

        Assert.Equal([counted], statuses);
    }

    private static string RouteOf(Endpoint? endpoint)
    {
        var context = new DefaultHttpContext();
        context.SetEndpoint(endpoint);
        return RequestTelemetryMiddleware.RouteOf(context);
    }
}

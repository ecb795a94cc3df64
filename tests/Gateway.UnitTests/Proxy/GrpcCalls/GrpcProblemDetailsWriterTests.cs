using Gateway.Proxy.GrpcCalls;
using Google.Rpc;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.UnitTests.Proxy.GrpcCalls;

/// <summary>
/// The gateway's refusals through the real <see cref="IProblemDetailsService"/>, registered as the
/// proxy registers it: gRPC calls get gRPC statuses, every other request problem+json.
/// </summary>
public sealed class GrpcProblemDetailsWriterTests : IDisposable
{
    private readonly ServiceProvider _services = Services(grpcFirst: true);

    [Fact]
    public async Task Write_GrpcCall_TrailersOnlyResponseWithTheMappedStatus()
    {
        var context = Context("application/grpc");
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";

        await WriteAsync(context, StatusCodes.Status401Unauthorized, "A credential is required: 'Authorization: Bearer <token>'.");

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/grpc", context.Response.ContentType);
        Assert.Equal("16", context.Response.Headers["grpc-status"]);
        Assert.Equal("A credential is required: 'Authorization: Bearer <token>'.", context.Response.Headers["grpc-message"]);
        Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate);
        Assert.Equal(0, context.Response.Body.Length);
        Assert.False(context.Response.Headers.ContainsKey("grpc-retry-pushback-ms"));
        Assert.Equal(StatusCodes.Status401Unauthorized, context.Features.Get<GrpcRefusal>()?.HttpStatus);
    }

    [Fact]
    public async Task Write_RefusalWithRetryAfter_PushbackAndRetryInfo()
    {
        var context = Context("application/grpc+proto");
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = "7";

        await WriteAsync(context, StatusCodes.Status429TooManyRequests, "Rate limit exceeded.");

        Assert.Equal("8", context.Response.Headers["grpc-status"]);
        Assert.Equal("7000", context.Response.Headers["grpc-retry-pushback-ms"]);
        var details = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(context.Response.Headers["grpc-status-details-bin"]!));
        Assert.Equal(8, details.Code);
        Assert.Equal("Rate limit exceeded.", details.Message);
        Assert.Equal(TimeSpan.FromSeconds(7), Assert.Single(details.Details).Unpack<RetryInfo>().RetryDelay.ToTimeSpan());
    }

    [Fact]
    public async Task Write_NoDetail_MessageIsTheReasonPhrase()
    {
        var context = Context("application/grpc");
        context.Response.StatusCode = StatusCodes.Status502BadGateway;

        await _services.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = context });

        Assert.Equal("14", context.Response.Headers["grpc-status"]);
        Assert.Equal("Bad Gateway", context.Response.Headers["grpc-message"]);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/grpc-web")]
    [InlineData(null)]
    public async Task Write_NotAGrpcCall_ProblemJson(string? contentType)
    {
        var context = Context(contentType);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;

        await WriteAsync(context, StatusCodes.Status429TooManyRequests, "Rate limit exceeded.");

        Assert.Equal(StatusCodes.Status429TooManyRequests, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.False(context.Response.Headers.ContainsKey("grpc-status"));
        Assert.Null(context.Features.Get<GrpcRefusal>());
    }

    [Fact]
    public async Task AddGrpcCalls_AfterAddProblemDetails_StillAnswersGrpcCalls()
    {
        using var services = Services(grpcFirst: false);
        var context = Context("application/grpc");

        await services.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status403Forbidden },
        });

        Assert.Equal("7", context.Response.Headers["grpc-status"]);
    }

    private Task WriteAsync(HttpContext context, int status, string detail) =>
        _services.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = detail },
        }).AsTask();

    internal static DefaultHttpContext Context(string? contentType)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = contentType;
        context.Response.Body = new MemoryStream();
        return context;
    }

    internal static ServiceProvider Services(bool grpcFirst)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (grpcFirst)
        {
            builder.AddGrpcCalls();
        }

        builder.Services.AddProblemDetails();
        if (!grpcFirst)
        {
            builder.AddGrpcCalls();
        }

        return builder.Services.BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();
}

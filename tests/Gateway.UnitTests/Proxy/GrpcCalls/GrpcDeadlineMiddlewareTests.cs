using Gateway.Proxy.GrpcCalls;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Proxy.GrpcCalls;

/// <summary>
/// The gateway gives a gRPC call up at its <c>grpc-timeout</c>. The next middleware stands in for
/// YARP waiting for a backend that never answers: it waits on the request's cancellation and then,
/// as YARP does, sets a status without throwing (or throws, as an authentication lookup does).
/// </summary>
public sealed class GrpcDeadlineMiddlewareTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _services = GrpcProblemDetailsWriterTests.Services(grpcFirst: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invoke_BackendSlowerThanTheTimeout_DeadlineExceededAtTheDeadline(bool throws)
    {
        var context = Call("250m");
        var waiting = new TaskCompletionSource();
        var middleware = Middleware(async http =>
        {
            waiting.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, http.RequestAborted);
            }
            catch (OperationCanceledException) when (!throws)
            {
                http.Response.StatusCode = StatusCodes.Status400BadRequest; // YARP: "request canceled"
            }
        });

        var call = middleware.InvokeAsync(context);
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.False(call.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await call.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("application/grpc", context.Response.ContentType);
        Assert.Equal("4", context.Response.Headers["grpc-status"]);
        Assert.False(context.RequestAborted.IsCancellationRequested, "the request's own token is put back");
    }

    [Fact]
    public async Task Invoke_AnswerInTime_UntouchedAndTheNextMiddlewareSawTheDeadline()
    {
        var context = Call("5S");
        GrpcDeadline? seen = null;
        var middleware = Middleware(http =>
        {
            seen = http.Features.Get<GrpcDeadline>();
            http.Response.Headers["grpc-status"] = "0";
            return Task.CompletedTask;
        });

        await middleware.InvokeAsync(context).WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("0", context.Response.Headers["grpc-status"]);
        Assert.Equal(TimeSpan.FromSeconds(5), seen?.Timeout);
    }

    [Fact]
    public async Task Invoke_RefusedBeforeTheDeadline_RefusalStands()
    {
        var context = Call("100m");
        var middleware = Middleware(async http =>
        {
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            await _services.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = http });
            // The deadline passes before the response leaves (it has not started).
            _time.Advance(TimeSpan.FromSeconds(1));
        });

        await middleware.InvokeAsync(context).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("8", context.Response.Headers["grpc-status"]);
    }

    [Theory]
    [InlineData("application/json", "1m")]
    [InlineData("application/grpc", null)]
    [InlineData("application/grpc", "soon")]
    public async Task Invoke_NotAGrpcCallWithATimeout_RequestAbortedIsTheRequestsOwn(string contentType, string? timeout)
    {
        var context = GrpcProblemDetailsWriterTests.Context(contentType);
        if (timeout is not null)
        {
            context.Request.Headers["grpc-timeout"] = timeout;
        }

        var own = context.RequestAborted;
        CancellationToken seen = default;
        await Middleware(http =>
        {
            seen = http.RequestAborted;
            return Task.CompletedTask;
        }).InvokeAsync(context).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(own, seen);
        Assert.Null(context.Features.Get<GrpcDeadline>());
    }

    [Fact]
    public void Remaining_TimeTakenOff_NeverNegative()
    {
        var deadline = new GrpcDeadline(_time.GetTimestamp(), TimeSpan.FromSeconds(3));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(2), deadline.Remaining(_time));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.Zero, deadline.Remaining(_time));
    }

    private static DefaultHttpContext Call(string timeout)
    {
        var context = GrpcProblemDetailsWriterTests.Context("application/grpc");
        context.Request.Headers["grpc-timeout"] = timeout;
        return context;
    }

    private GrpcDeadlineMiddleware Middleware(RequestDelegate next) =>
        new(next, _time, _services.GetRequiredService<IProblemDetailsService>());

    public void Dispose() => _services.Dispose();
}

using System.Text.Json;
using Gateway.Proxy.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.UnitTests.Proxy.Routing;

/// <summary>Escaped slashes and backslashes in the raw request target.</summary>
public sealed class EscapedSlashMiddlewareTests
{
    [Theory]
    [InlineData("/public/a%2Fb")]
    [InlineData("/public/a%2fb")]
    [InlineData("/public/..%2F..%2Fadmin")]
    [InlineData("/public/a%5Cb")]
    [InlineData("/public/a%5cb")]
    [InlineData("/public/a\\b")]
    [InlineData("\\admin")]
    [InlineData("/public/a%252Fb")]
    [InlineData("/public/a%255cb")]
    [InlineData("/public/%2F")]
    [InlineData("http://host/public/a%2Fb")]
    public void HasEscapedSlash_EscapedOrRawBackslash_True(string target)
    {
        Assert.True(EscapedSlashMiddleware.HasEscapedSlash(EscapedSlashMiddleware.PathOf(target)), target);
    }

    [Theory]
    [InlineData("/public/hello")]
    [InlineData("/public/%2e%2e/admin")]
    [InlineData("/public/a%20b%2")]
    [InlineData("/public/a%2")]
    [InlineData("/public/%")]
    [InlineData("/public/%25")]
    [InlineData("/public/%252")]
    [InlineData("/public/%2E")]
    [InlineData("/public/%5B")]
    [InlineData("/public/echo?next=%2Fadmin&path=a%5Cb&c=\\")]
    [InlineData("http://host%2F/public")]
    [InlineData("*")]
    [InlineData("")]
    public void HasEscapedSlash_OtherPathsAndTheQuery_False(string target)
    {
        Assert.False(EscapedSlashMiddleware.HasEscapedSlash(EscapedSlashMiddleware.PathOf(target)), target);
    }

    [Fact]
    public async Task InvokeAsync_Reject_400ProblemAndNothingFurther()
    {
        var (context, reachedNext) = await InvokeAsync("/public/..%2Fadmin/echo", EscapedSlashAction.Reject);

        Assert.False(reachedNext);
        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        context.Response.Body.Position = 0;
        var problem = await JsonSerializer.DeserializeAsync<JsonElement>(context.Response.Body);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Contains("escaped slash", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InvokeAsync_PlainPath_PassedOn(bool redirect)
    {
        var (context, reachedNext) = await InvokeAsync("/public/hello?x=%2F", redirect ? EscapedSlashAction.UnescapeAndRedirect : EscapedSlashAction.Reject);

        Assert.True(reachedNext);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
    }

    /// <summary>The check runs on every request: on an ordinary path it allocates nothing.</summary>
    [Fact]
    public void InvokeAsync_PlainPath_AllocatesNothing()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/public/some/longer/path%20with%2Eescapes?q=%2F";
        var middleware = new EscapedSlashMiddleware(
            _ => Task.CompletedTask,
            new StaticOptionsMonitor<RoutingOptions>(new RoutingOptions()),
            services.GetRequiredService<IProblemDetailsService>());
        Assert.True(middleware.InvokeAsync(context).IsCompletedSuccessfully); // warm-up

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            _ = middleware.InvokeAsync(context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task InvokeAsync_Keep_PassedOn()
    {
        var (_, reachedNext) = await InvokeAsync("/public/a%2Fb", EscapedSlashAction.Keep);

        Assert.True(reachedNext);
    }

    [Fact]
    public async Task InvokeAsync_UnescapeAndRedirect_307ToTheUnescapedPathWithTheQuery()
    {
        var (context, reachedNext) = await InvokeAsync("/public/a%2Fb%5Cc\\d?q=1", EscapedSlashAction.UnescapeAndRedirect, "?q=1");

        Assert.False(reachedNext);
        Assert.Equal(StatusCodes.Status307TemporaryRedirect, context.Response.StatusCode);
        Assert.Equal("/public/a/b/c/d?q=1", context.Response.Headers.Location.ToString());
    }

    private static async Task<(HttpContext Context, bool ReachedNext)> InvokeAsync(string rawTarget, EscapedSlashAction action, string query = "")
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = rawTarget;
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        context.Response.Body = new MemoryStream();
        var reachedNext = false;
        var middleware = new EscapedSlashMiddleware(
            _ =>
            {
                reachedNext = true;
                return Task.CompletedTask;
            },
            new StaticOptionsMonitor<RoutingOptions>(new RoutingOptions { EscapedSlashes = action }),
            services.GetRequiredService<IProblemDetailsService>());

        await middleware.InvokeAsync(context);
        return (context, reachedNext);
    }
}

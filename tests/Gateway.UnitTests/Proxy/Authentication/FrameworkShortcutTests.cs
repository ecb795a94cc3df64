using System.Security.Claims;
using System.Text.Encodings.Web;
using Gateway.Proxy.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>
/// The proxy's authentication leans on two things ASP.NET Core does not promise: the builder
/// property <c>UseAuthentication</c> records, and the behaviour of the (internal) features its
/// middleware sets. Each test here fails when an upgrade changes what the shortcut relies on.
/// </summary>
public sealed class FrameworkShortcutTests
{
    [Fact]
    public void UseAuthentication_RecordsTheBuilderPropertyTheGatewaySets()
    {
        using var services = new ServiceCollection().AddLogging().AddAuthentication().Services.BuildServiceProvider();
        var app = new ApplicationBuilder(services);

        app.UseAuthentication();

        // WebApplication adds UseAuthentication at the start of the pipeline unless this is set;
        // UseGatewayAuthentication sets it by name because the branch it uses hides the real one.
        Assert.True(app.Properties.ContainsKey(AuthenticationExtensions.AuthenticationMiddlewareSetKey));
    }

    [Fact]
    public async Task AuthenticatedFeatures_BehaveAsTheMiddlewaresOwn()
    {
        var middleware = await AuthenticateWithTheMiddlewareAsync();
        var ticket = Ticket("alice");
        var copy = new DefaultHttpContext();
        var features = new AuthenticatedFeatures(AuthenticateResult.Success(ticket));
        copy.Features.Set<IHttpAuthenticationFeature>(features);
        copy.Features.Set<IAuthenticateResultFeature>(features);

        foreach (var context in new[] { middleware, copy })
        {
            // One object behind both features, the user being the result's principal.
            Assert.Same(context.Features.Get<IHttpAuthenticationFeature>(), context.Features.Get<IAuthenticateResultFeature>());
            var result = context.Features.GetRequiredFeature<IAuthenticateResultFeature>().AuthenticateResult;
            Assert.True(result?.Succeeded);
            Assert.Same(result!.Principal, context.User);

            // Replacing the user invalidates the result...
            context.User = new ClaimsPrincipal(new ClaimsIdentity("other"));
            Assert.Null(context.Features.GetRequiredFeature<IAuthenticateResultFeature>().AuthenticateResult);

            // ...and setting a result sets its user.
            var next = AuthenticateResult.Success(Ticket("bob"));
            context.Features.GetRequiredFeature<IAuthenticateResultFeature>().AuthenticateResult = next;
            Assert.Same(next.Principal, context.User);
        }
    }

    private static async Task<HttpContext> AuthenticateWithTheMiddlewareAsync()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAuthentication("test").AddScheme<AuthenticationSchemeOptions, AlwaysHandler>("test", _ => { });
        var provider = services.BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = provider };
        var middleware = new AuthenticationMiddleware(_ => Task.CompletedTask, provider.GetRequiredService<IAuthenticationSchemeProvider>());

        await middleware.Invoke(context);

        Assert.Equal("alice", context.User.Identity?.Name);
        return context;
    }

    private static AuthenticationTicket Ticket(string name) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "test")), "test");

    private sealed class AlwaysHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.Success(Ticket("alice")));
    }
}

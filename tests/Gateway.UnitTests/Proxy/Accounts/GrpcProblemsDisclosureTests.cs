using System.Text.Json;
using Gateway.Auth.V1;
using Gateway.Proxy.Accounts;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.UnitTests.Proxy.Accounts;

/// <summary>
/// A 503 for an unreachable auth service carries a fixed text, not the gRPC client's own status detail
/// (hardening: that detail depends on the client's configuration, e.g. "Error connecting to
/// subchannel." with a balancer, or the transport exception with the internal host and port without one).
/// </summary>
public sealed class GrpcProblemsDisclosureTests
{
    [Fact]
    public async Task ToProblem_AuthServiceUnreachable_503WithAFixedDetailNotTheClientsTransportError()
    {
        // Port 1 on loopback: nothing listens, so the client reports UNAVAILABLE with its transport error.
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:1");
        var client = new AuthService.AuthServiceClient(channel);
        var unreachable = await Assert.ThrowsAsync<RpcException>(() =>
            client.LoginAsync(new LoginRequest { UserName = "u", Password = "p" }, deadline: DateTime.UtcNow.AddSeconds(10)).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, unreachable.StatusCode);
        Assert.NotEqual(GrpcProblems.UnavailableDetail, unreachable.Status.Detail);

        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider(),
            Response = { Body = new MemoryStream() },
        };
        await GrpcProblems.ToProblem(unreachable, context).ExecuteAsync(context);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        var detail = JsonSerializer.Deserialize<JsonElement>(body).GetProperty("detail").GetString();
        Assert.Equal(GrpcProblems.UnavailableDetail, detail);
        Assert.DoesNotContain(unreachable.Status.Detail, body, StringComparison.Ordinal);
    }
}

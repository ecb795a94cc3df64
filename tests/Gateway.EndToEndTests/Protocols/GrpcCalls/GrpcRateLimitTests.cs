using System.Globalization;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.Sample.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using static Gateway.EndToEndTests.Protocols.GrpcCalls.GreeterChannels;

namespace Gateway.EndToEndTests.Protocols.GrpcCalls;

/// <summary>
/// Rate limits on gRPC calls, through the fixture's route <c>greeter-tiny</c> (the shipped
/// <c>greeter</c> route with <see cref="GatewayAppFixture.GrpcTinyLimit"/> calls per user and
/// window, Strict mode).
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class GrpcRateLimitTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    private const int Limit = GatewayAppFixture.GrpcTinyLimit;

    [Fact]
    public async Task Unary_OverTheLimit_ResourceExhaustedWithPushbackAndRetryInfo()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        using var channel = H2c(Fixture);
        var client = new Greeter.GreeterClient(channel);

        var refused = await SpendUntilRefusedAsync(client, login.AccessToken);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var pushback = int.Parse(refused.Trailers.GetValue("grpc-retry-pushback-ms")!, CultureInfo.InvariantCulture);
        Assert.InRange(pushback, 1, (GatewayAppFixture.GrpcTinyWindowSeconds + 1) * 1000);
        // The same wait as google.rpc.RetryInfo, for clients of the rich error model.
        var status = refused.GetRpcStatus();
        Assert.NotNull(status);
        Assert.Equal((int)Code.ResourceExhausted, status.Code);
        Assert.Equal(TimeSpan.FromMilliseconds(pushback), status.GetDetail<RetryInfo>()?.RetryDelay.ToTimeSpan());
        // The rate-limit headers a plain HTTP client gets arrive as metadata.
        Assert.Equal("0", refused.Trailers.GetValue("x-ratelimit-remaining"));
    }

    /// <summary>
    /// Grpc.Net.Client's retry policy waits the gateway's pushback instead of its own backoff
    /// (random up to 10 minutes here): the refused call is retried once the window lets it in.
    /// </summary>
    [Fact]
    public async Task Unary_OverTheLimitWithARetryPolicy_RetriedAfterThePushback_Ok()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var retry = new MethodConfig
        {
            Names = { MethodName.Default },
            RetryPolicy = new RetryPolicy
            {
                MaxAttempts = 5,
                InitialBackoff = TimeSpan.FromMinutes(10),
                MaxBackoff = TimeSpan.FromMinutes(10),
                BackoffMultiplier = 1,
                RetryableStatusCodes = { StatusCode.ResourceExhausted },
            },
        };
        using var plain = H2c(Fixture);
        using var retrying = H2c(Fixture, new GrpcChannelOptions { ServiceConfig = new ServiceConfig { MethodConfigs = { retry } } });
        await SpendUntilRefusedAsync(new Greeter.GreeterClient(plain), login.AccessToken);

        var reply = await new Greeter.GreeterClient(retrying)
            .SayHelloAsync(new HelloRequest { Name = "again" }, Tiny(login.AccessToken), Deadline()).ResponseAsync.WaitAsync(CallTimeout);

        Assert.Equal("Hello again from the sample API", reply.Message);
    }

    /// <summary>Calls until the first refusal (a window boundary may let a few more in), which it returns.</summary>
    private static async Task<RpcException> SpendUntilRefusedAsync(Greeter.GreeterClient client, string token)
    {
        for (var call = 0; call < 4 * Limit; call++)
        {
            try
            {
                await client.SayHelloAsync(new HelloRequest(), Tiny(token), Deadline());
            }
            catch (RpcException refused)
            {
                Assert.True(call >= Limit, $"refused after {call} calls, below the limit of {Limit}: {refused.Status}");
                return refused;
            }
        }

        throw new Xunit.Sdk.XunitException($"{4 * Limit} calls were all admitted; the limit is {Limit}");
    }

    private static Metadata Tiny(string token) => Bearer(token, (GatewayAppFixture.GrpcTinyRouteHeader, "tiny"));
}

using System.Collections.Concurrent;
using Aspire.Hosting.Testing;
using CsCheck;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// The auth service's gRPC contract under generated input sent directly (not through the proxy):
/// hostile strings in every field, and arbitrary bytes as request messages. Every answer is success
/// or one of the status codes the contract documents, never INTERNAL or UNKNOWN; error details never
/// echo what was sent; nothing sent is logged.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class AuthGrpcPropertyTests(GatewayAppFixture fixture, ITestOutputHelper output) : HostileTestBase(fixture)
{
    private const int MaxReceiveMessageSize = 64 * 1024; // Grpc:MaxReceiveMessageSize in the auth service's appsettings.json

    private static readonly StatusCode[] Documented =
    [
        StatusCode.OK, StatusCode.InvalidArgument, StatusCode.AlreadyExists, StatusCode.Unauthenticated,
        StatusCode.PermissionDenied, StatusCode.NotFound, StatusCode.ResourceExhausted, StatusCode.FailedPrecondition,
    ];

    private static readonly string[] Methods =
    [
        "AuthService/Register", "AuthService/Login", "AuthService/ValidateToken", "AuthService/RevokeToken",
        "AuthService/CreateApiKey", "AuthService/ListApiKeys", "AuthService/RevokeApiKey",
        "AdminService/SetUserPlan", "AdminService/SetUserDisabled", "AdminService/ListPlans",
        "DashboardService/GetUserStanding",
    ];

    /// <summary>Field values: control characters, lone surrogates, right-to-left marks, huge, empty, or plausible.</summary>
    private static readonly Gen<string> Field = Gen.Frequency<string>(
        (3, HostileGen.Text(Gen.Char['\0', '\uffff'], 0, 40)),
        (2, HostileGen.Text(Gen.Char['\0', '\u00ff'], 0, 300)),
        (1, Gen.OneOf<string>("", " ", "\ud800", "a\udc00b", "\u202eadmin", "admin\0", "gw_at_", "../../etc/passwd", "' OR 1=1 --", "00000000-0000-0000-0000-000000000000", "free", "pro")),
        (1, HostileGen.Credential),
        (1, Gen.Int[1_000, 70_000].Select(n => new string('f', n))));

    [Fact]
    public async Task GeneratedFields_EveryCall_DocumentedStatusNoEchoNoLog()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var codes = new ConcurrentDictionary<StatusCode, int>();
        var secrets = new ConcurrentBag<string>();

        var gen = Gen.Select(Gen.Int[0, Methods.Length - 1], Field, Field, Field, Gen.Bool);
        await gen.SampleAsync(
            async (method, a, b, c, useRealToken) =>
            {
                // A real (non-admin) token sometimes, so calls get past authentication into validation.
                var token = useRealToken ? login.AccessToken : a;
                foreach (var value in new[] { a, b, c }.Where(IsDistinctive))
                {
                    secrets.Add(value);
                }

                var status = await CallAsync(Methods[method], token, a, b, c);
                codes.AddOrUpdate(status.StatusCode, 1, (_, n) => n + 1);
                Assert.True(Documented.Contains(status.StatusCode), $"{Methods[method]}: {status.StatusCode} {status.Detail}");
                foreach (var value in new[] { a, b, c }.Where(IsDistinctive))
                {
                    Assert.DoesNotContain(value, status.Detail, StringComparison.Ordinal);
                }
            },
            iter: 150,
            threads: 2,
            print: t => $"{Methods[t.Item1]} [{Show(t.Item2)}] [{Show(t.Item3)}] [{Show(t.Item4)}] realToken={t.Item5}");

        output.WriteLine($"codes: {string.Join(", ", codes.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        Assert.True(codes.Count >= 3, $"codes seen: {string.Join(", ", codes.Keys)}");
        await AssertNoSecretLoggedAsync(secrets.Distinct().ToList());
    }

    [Fact]
    public async Task ArbitraryBytesAsRequestMessages_DocumentedStatusOnly()
    {
        using var channel = GrpcChannel.ForAddress(Fixture.App.GetEndpoint("auth", "grpc"));
        var invoker = channel.CreateCallInvoker();
        var codes = new ConcurrentDictionary<StatusCode, int>();

        var gen = Gen.Select(Gen.Int[0, Methods.Length - 1], Gen.Frequency<byte[]>((4, Gen.Byte.Array[0, 200]), (1, Gen.Byte.Array[0, 8].Select(Varints))));
        await gen.SampleAsync(
            async (method, payload) =>
            {
                var status = await RawCallAsync(invoker, Methods[method], payload);
                codes.AddOrUpdate(status.StatusCode, 1, (_, n) => n + 1);
                Assert.True(Documented.Contains(status.StatusCode), $"{Methods[method]} with {Convert.ToHexString(payload)}: {status.StatusCode} {status.Detail}");
            },
            iter: 200,
            threads: 2,
            print: t => $"{Methods[t.Item1]} {Convert.ToHexString(t.Item2)}");

        output.WriteLine($"codes: {string.Join(", ", codes.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        Assert.Contains(StatusCode.InvalidArgument, codes.Keys);
    }

    [Fact]
    public async Task MessageOverTheReceiveLimit_ResourceExhausted_ServiceKeepsServing()
    {
        using var channel = GrpcChannel.ForAddress(Fixture.App.GetEndpoint("auth", "grpc"));
        var invoker = channel.CreateCallInvoker();
        var secret = NewSecret("gw_at_");
        var oversize = new ValidateTokenRequest { Credential = secret + new string('x', MaxReceiveMessageSize) }.ToByteArray();

        var status = await RawCallAsync(invoker, "AuthService/ValidateToken", oversize);

        Assert.Equal(StatusCode.ResourceExhausted, status.StatusCode);
        Assert.DoesNotContain(secret, status.Detail, StringComparison.Ordinal);

        // Just under the limit the message is read (and refused by field validation, not by size).
        var under = new ValidateTokenRequest { Credential = new string('x', MaxReceiveMessageSize - 16) }.ToByteArray();
        Assert.Equal(StatusCode.InvalidArgument, (await RawCallAsync(invoker, "AuthService/ValidateToken", under)).StatusCode);

        var valid = await AuthClients.Auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = "gw_at_" + new string('A', 43) }, deadline: AuthClients.Deadline());
        Assert.False(valid.Valid);
        await AssertNoSecretLoggedAsync([secret]);
    }

    private async Task<Status> CallAsync(string method, string token, string a, string b, string c)
    {
        try
        {
            var deadline = AuthClients.Deadline();
            var auth = AuthClients.Auth;
            var admin = AuthClients.Admin;
            _ = method switch
            {
                "AuthService/Register" => (object)await auth.RegisterAsync(new RegisterRequest { UserName = a, Password = b }, deadline: deadline),
                "AuthService/Login" => await auth.LoginAsync(new LoginRequest { UserName = a, Password = b, ClientAddress = c }, deadline: deadline),
                "AuthService/ValidateToken" => await auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = a }, deadline: deadline),
                "AuthService/RevokeToken" => await auth.RevokeTokenAsync(new RevokeTokenRequest { AccessToken = a }, deadline: deadline),
                "AuthService/CreateApiKey" => await auth.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = token, Name = b }, deadline: deadline),
                "AuthService/ListApiKeys" => await auth.ListApiKeysAsync(new ListApiKeysRequest { AccessToken = token }, deadline: deadline),
                "AuthService/RevokeApiKey" => await auth.RevokeApiKeyAsync(new RevokeApiKeyRequest { AccessToken = token, KeyId = b }, deadline: deadline),
                // Never with an admin token: a generated user name must not disable a real account.
                "AdminService/SetUserPlan" => await admin.SetUserPlanAsync(new SetUserPlanRequest { AccessToken = token, UserName = b, Plan = c }, deadline: deadline),
                "AdminService/SetUserDisabled" => await admin.SetUserDisabledAsync(new SetUserDisabledRequest { AccessToken = token, UserName = b, Disabled = true }, deadline: deadline),
                "DashboardService/GetUserStanding" => await AuthClients.Dashboard.GetUserStandingAsync(new GetUserStandingRequest { ServiceKey = a, UserId = b }, deadline: deadline),
                _ => await admin.ListPlansAsync(new ListPlansRequest { AccessToken = token }, deadline: deadline),
            };
            return Status.DefaultSuccess;
        }
        catch (RpcException ex)
        {
            return ex.Status;
        }
    }

    private static async Task<Status> RawCallAsync(CallInvoker invoker, string method, byte[] payload)
    {
        var slash = method.IndexOf('/', StringComparison.Ordinal);
        var call = new Method<byte[], byte[]>(
            MethodType.Unary, "gateway.auth.v1." + method[..slash], method[(slash + 1)..],
            Marshallers.Create(bytes => bytes, bytes => bytes), Marshallers.Create(bytes => bytes, bytes => bytes));
        try
        {
            await invoker.AsyncUnaryCall(call, null, new CallOptions(deadline: AuthClients.Deadline()), payload).ResponseAsync;
            return Status.DefaultSuccess;
        }
        catch (RpcException ex)
        {
            return ex.Status;
        }
    }

    /// <summary>Field tags and lengths that look like protobuf but lie (huge lengths, wrong wire types).</summary>
    private static byte[] Varints(byte[] seed) =>
        [.. seed.SelectMany(b => new byte[] { (byte)((b & 0x78) | (b & 0x07)), 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })];

    private static bool IsDistinctive(string value) => value.Length is >= 12 and <= 4096 && value.Distinct().Count() >= 6;

    private static string Show(string value) => value.Length > 60 ? value[..60] + $"…({value.Length})" : value;
}

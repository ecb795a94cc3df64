using Aspire.Hosting.Testing;
using Gateway.Auth.V1;
using Gateway.EndToEndTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.EndToEndTests.Auth;

/// <summary>Malformed and oversized input is INVALID_ARGUMENT, never a server error.</summary>
[Collection(GatewayAppCollection.Name)]
public sealed class AuthInputValidationTests(GatewayAppFixture fixture) : IDisposable
{
    private static readonly string TenKilobytes = new('a', 10 * 1024);
    private static readonly string SqlMeta = "x'; DROP TABLE users; --";

    private readonly AuthClients _clients = new(fixture.App);

    public static TheoryData<string, string, string> RegisterCases() => new()
    {
        { "empty user name", "", "password-0001" },
        { "10 KB user name", TenKilobytes, "password-0001" },
        { "SQL meta user name", SqlMeta, "password-0001" },
        { "control character in user name", "bad\u0001name", "password-0001" },
        { "too short user name", "ab", "password-0001" },
        { "empty password", "valid-name", "" },
        { "short password", "valid-name", "short" },
        { "11-character password", "valid-name", "password-11" },
        { "10 KB password", "valid-name", TenKilobytes },
        { "control character in password", "valid-name", "pass\u0000word-0001" },
        { "lone surrogate in password", "valid-name", "password-001\uD800" },
    };

    [Theory]
    [MemberData(nameof(RegisterCases))]
    public async Task Register_MalformedInput_InvalidArgumentNamingTheField(string _, string userName, string password)
    {
        var error = await AuthClients.ThrowsRpcAsync(() => _clients.Auth.RegisterAsync(
            new RegisterRequest { UserName = userName, Password = password }, deadline: AuthClients.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Matches("^(user_name|password): ", error.Status.Detail);
    }

    [Fact]
    public async Task Register_ElevenCharacterPassword_InvalidArgumentSayingTheMinimum_TwelveRegistersAndSignsIn()
    {
        var userName = AuthClients.NewUserName();

        var error = await AuthClients.ThrowsRpcAsync(() => _clients.Auth.RegisterAsync(
            new RegisterRequest { UserName = userName, Password = "eleven-char" }, deadline: AuthClients.Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("password: must be at least 12 characters", error.Status.Detail);

        await _clients.Auth.RegisterAsync(new RegisterRequest { UserName = userName, Password = "twelve-chars" }, deadline: AuthClients.Deadline());
        var login = await _clients.Auth.LoginAsync(new LoginRequest { UserName = userName, Password = "twelve-chars" }, deadline: AuthClients.Deadline());
        Assert.StartsWith("gw_at_", login.AccessToken, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherCalls_MalformedInput_InvalidArgument()
    {
        var (_, _, login) = await _clients.NewLoggedInUserAsync();
        var calls = new (string Name, Func<Task> Call)[]
        {
            ("login empty", () => _clients.Auth.LoginAsync(new LoginRequest(), deadline: AuthClients.Deadline()).ResponseAsync),
            ("login 10 KB", () => _clients.Auth.LoginAsync(new LoginRequest { UserName = TenKilobytes, Password = "x" }, deadline: AuthClients.Deadline()).ResponseAsync),
            ("login client address", () => _clients.Auth.LoginAsync(new LoginRequest { UserName = "demo", Password = "x", ClientAddress = TenKilobytes }, deadline: AuthClients.Deadline()).ResponseAsync),
            ("validate empty", () => _clients.Auth.ValidateTokenAsync(new ValidateTokenRequest(), deadline: AuthClients.Deadline()).ResponseAsync),
            ("validate 10 KB", () => _clients.Auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = TenKilobytes }, deadline: AuthClients.Deadline()).ResponseAsync),
            ("validate control", () => _clients.Auth.ValidateTokenAsync(new ValidateTokenRequest { Credential = "gw_at_\r\nx" }, deadline: AuthClients.Deadline()).ResponseAsync),
            ("revoke empty", () => _clients.Auth.RevokeTokenAsync(new RevokeTokenRequest(), deadline: AuthClients.Deadline()).ResponseAsync),
            ("key name empty", () => _clients.Auth.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = login.AccessToken }, deadline: AuthClients.Deadline()).ResponseAsync),
            ("key name 10 KB", () => _clients.Auth.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = login.AccessToken, Name = TenKilobytes }, deadline: AuthClients.Deadline()).ResponseAsync),
            ("key id SQL", () => _clients.Auth.RevokeApiKeyAsync(new RevokeApiKeyRequest { AccessToken = login.AccessToken, KeyId = SqlMeta }, deadline: AuthClients.Deadline()).ResponseAsync),
        };

        foreach (var (name, call) in calls)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{name}: {error.StatusCode} {error.Status.Detail}");
        }
    }

    [Fact]
    public async Task Register_PasswordWithSqlMetaCharacters_IsJustAPassword()
    {
        var userName = AuthClients.NewUserName();
        await _clients.Auth.RegisterAsync(new RegisterRequest { UserName = userName, Password = SqlMeta }, deadline: AuthClients.Deadline());

        var login = await _clients.Auth.LoginAsync(new LoginRequest { UserName = userName, Password = SqlMeta }, deadline: AuthClients.Deadline());

        Assert.StartsWith("gw_at_", login.AccessToken, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_InvalidUtf8OnTheWire_InvalidArgument()
    {
        // Hand-encoded RegisterRequest: field 1 (user_name) = bytes C3 28 (not UTF-8), field 2 = "password-1".
        byte[] payload = [0x0A, 0x02, 0xC3, 0x28, 0x12, 0x0A, .. "password-1"u8.ToArray()];
        var method = new Method<byte[], byte[]>(
            MethodType.Unary, "gateway.auth.v1.AuthService", "Register",
            Marshallers.Create(bytes => bytes, bytes => bytes), Marshallers.Create(bytes => bytes, bytes => bytes));
        using var channel = GrpcChannel.ForAddress(fixture.App.GetEndpoint("auth", "grpc"));

        var error = await AuthClients.ThrowsRpcAsync(() =>
            channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(deadline: AuthClients.Deadline()), payload).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("UTF-8", error.Status.Detail, StringComparison.Ordinal);
    }

    public void Dispose() => _clients.Dispose();
}

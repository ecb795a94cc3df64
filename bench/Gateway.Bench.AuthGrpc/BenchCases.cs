using System.Buffers.Text;
using System.Security.Cryptography;
using Gateway.Auth.V1;

namespace Gateway.Bench.AuthGrpc;

/// <summary>An auth service under test: this build, or the baseline build measured in the same run.</summary>
internal sealed record Target(string Label, AuthService.AuthServiceClient Client, IReadOnlyList<ServerProcess> Servers);

/// <summary>One kind of credential sent to <c>ValidateToken</c>, and the answer it must get.</summary>
internal sealed record BenchCase(string Name, ValidateTokenRequest Request, Func<ValidateTokenResponse, bool> IsExpected, string Expected);

/// <summary>One case against one target: a row of the table.</summary>
internal sealed record BenchRun(Target Target, BenchCase Case)
{
    public string Name(bool labelled) => labelled ? $"{Case.Name} ({Target.Label})" : Case.Name;
}

internal static class BenchCases
{
    private static readonly TimeSpan SetupDeadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Registers a throwaway user of its own (so the benchmark needs no demo data or secrets), logs
    /// in and creates an API key, then checks that every case gets the answer it is meant to get:
    /// a benchmark of wrong answers would measure nothing.
    /// </summary>
    public static async Task<IReadOnlyList<BenchCase>> CreateAsync(AuthService.AuthServiceClient client)
    {
        var userName = "bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var password = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

        await client.RegisterAsync(new RegisterRequest { UserName = userName, Password = password }, deadline: Deadline());
        var login = await client.LoginAsync(new LoginRequest { UserName = userName, Password = password }, deadline: Deadline());
        var key = await client.CreateApiKeyAsync(new CreateApiKeyRequest { AccessToken = login.AccessToken, Name = "bench" }, deadline: Deadline());

        // Well-formed but never issued: the service pays one indexed lookup that finds nothing.
        var unknown = "gw_at_" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        // One character short: the shape check rejects it before any database call.
        var malformed = unknown[..^1];

        BenchCase[] cases =
        [
            new("valid access token", Request(login.AccessToken),
                r => r.Valid && r.Kind == CredentialKind.AccessToken, "valid, access token"),
            new("valid API key", Request(key.ApiKey),
                r => r.Valid && r.Kind == CredentialKind.ApiKey, "valid, API key"),
            new("unknown token (database miss)", Request(unknown),
                r => !r.Valid && r.Kind == CredentialKind.AccessToken && r.Reason == InvalidReason.Unknown, "invalid, unknown access token"),
            new("malformed credential (no database call)", Request(malformed),
                r => !r.Valid && r.Kind == CredentialKind.Unspecified && r.Reason == InvalidReason.Unknown, "invalid, unrecognised shape"),
        ];

        foreach (var benchCase in cases)
        {
            var reply = await client.ValidateTokenAsync(benchCase.Request, deadline: Deadline());
            if (!benchCase.IsExpected(reply))
            {
                throw new InvalidOperationException($"{benchCase.Name}: expected {benchCase.Expected}, got {reply}");
            }
        }

        return cases;
    }

    private static ValidateTokenRequest Request(string credential) => new() { Credential = credential };

    private static DateTime Deadline() => DateTime.UtcNow.Add(SetupDeadline);
}

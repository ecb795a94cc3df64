using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using CsCheck;
using Gateway.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.EndToEndTests.Hostile;

/// <summary>
/// The proxy's <c>/auth</c> JSON endpoints under generated bodies: wrong JSON shapes, numbers where
/// strings go, nulls, huge and control-character strings, lone surrogates, invalid UTF-8, wrong
/// content types, odd bearer tokens. Every answer is a 2xx or a 4xx problem, never a 5xx, and no
/// password or token that was sent appears in a response or a log line.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class AccountsBodyPropertyTests(GatewayAppFixture fixture, ITestOutputHelper output) : HostileTestBase(fixture)
{
    private static readonly int[] Allowed = [200, 201, 204, 400, 401, 404, 409, 413, 415, 429];

    public sealed record AccountsCall(string Method, string Path, string? ContentType, byte[] Body, string? Authorization, string[] Secrets)
    {
        public override string ToString()
        {
            var body = Encoding.UTF8.GetString(Body);
            return $"{Method} {Path} ct={ContentType ?? "(none)"} auth={Authorization?[..Math.Min(40, Authorization.Length)] ?? "(none)"} body={(body.Length > 200 ? body[..200] + $"…({body.Length})" : body)}";
        }
    }

    /// <summary>A JSON value where a string is expected: strings of every kind, or the wrong type.</summary>
    private static readonly Gen<string> JsonValue = Gen.Frequency<string>(
        (3, HostileGen.Text(Gen.Char['\0', '\u07ff'], 0, 40).Select(s => JsonSerializer.Serialize(s))),
        (1, Gen.OneOf<string>("\"\\ud800\"", "\"\\udfff\\ud800\"", "\"a\\u0000b\"", "\"\\u001b[31m\"", "\"\\uFFFD\"", "\"\u202e\"")),
        (1, Gen.Int[1, 15_000].Select(n => JsonSerializer.Serialize(new string('x', n)))),
        // A well-formed user name now and then, so that some calls get past validation.
        (1, HostileGen.Text(Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 8, 8).Select(s => $"\"hostile-{s}\"")),
        (1, Gen.OneOf<string>("null", "123", "-1e309", "true", "[]", "{}", "[\"a\"]", "{\"$ref\":\"x\"}", "\"\"")));

    private static readonly Gen<string> FieldName = Gen.OneOf<string>("userName", "password", "name", "UserName", "PASSWORD", "user_name", "extra", "");

    /// <summary>A body: an object of generated fields, a non-object, broken JSON, or bytes that are not UTF-8.</summary>
    private static readonly Gen<(byte[] Body, string[] Secrets)> Body = Gen.Frequency<(byte[], string[])>(
        (5, Gen.Select(FieldName, JsonValue).Array[0, 4].Select(fields =>
        {
            var secret = NewSecret("pw");
            var members = fields.Select(f => $"\"{f.Item1}\":{f.Item2}").Append($"\"password\":\"{secret}\"");
            return (Encoding.UTF8.GetBytes("{" + string.Join(',', members) + "}"), new[] { secret });
        })),
        (1, Gen.OneOf<string>("null", "[]", "42", "\"str\"", "", "{", "{\"userName\":", "{\"userName\":\"a\",}", "\ufeff{}", new string('[', 200) + new string(']', 200), "{\"a\":1,\"a\":2}")
            .Select(text => (Encoding.UTF8.GetBytes(text), Array.Empty<string>()))),
        (1, Gen.Byte.Array[1, 64].Select(bytes =>
        {
            var secret = NewSecret("pw");
            // Invalid UTF-8 (C3 28, FF) inside a string next to a secret password.
            byte[] body = [.. "{\"userName\":\""u8.ToArray(), .. bytes, 0xC3, 0x28, 0xFF, .. "\",\"password\":\""u8.ToArray(), .. Encoding.ASCII.GetBytes(secret), .. "\"}"u8.ToArray()];
            return (body, new[] { secret });
        })));

    private static readonly Gen<(string Method, string Path)> Endpoint = Gen.OneOf<(string, string)>(
        ("POST", "/auth/register"), ("POST", "/auth/register"), ("POST", "/auth/login"), ("POST", "/auth/login"),
        ("POST", "/auth/logout"), ("POST", "/auth/keys"), ("GET", "/auth/keys"), ("DELETE", "/auth/keys/%2e%2e"),
        ("DELETE", "/auth/keys/00000000-0000-0000-0000-000000000000"), ("DELETE", "/auth/keys/" + new string('k', 300)));

    private static readonly Gen<string?> ContentType = Gen.Frequency<string?>(
        (6, Gen.Const((string?)"application/json")),
        (1, Gen.OneOf<string?>(null, "text/plain", "application/x-www-form-urlencoded", "APPLICATION/JSON; charset=utf-8", "application/json; charset=latin1", "application/json-patch+json", "multipart/form-data; boundary=b")));

    [Fact]
    public async Task GeneratedBodies_2xxOr4xxProblem_NoSecretEchoedOrLogged()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        var authorization = Gen.Frequency<string?>(
            (2, Gen.Const((string?)null)),
            (2, Gen.Const((string?)("Bearer " + login.AccessToken))),
            (2, HostileGen.Authorization.Select(a => (string?)a)));

        var calls = Gen.Select(Endpoint, ContentType, Body, authorization).Select((endpoint, contentType, body, auth) =>
            new AccountsCall(endpoint.Method, endpoint.Path, contentType, body.Body, auth, body.Secrets));

        var secrets = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var sent = 0;

        await calls.SampleAsync(
            async call =>
            {
                var index = Interlocked.Increment(ref sent);
                foreach (var secret in call.Secrets)
                {
                    secrets.Add(secret);
                }

                // Logout with the test user's own token would end the session the other iterations use.
                var auth = call.Path == "/auth/logout" && call.Authorization?.Contains(login.AccessToken, StringComparison.Ordinal) == true ? null : call.Authorization;
                List<(string, string)> headers = [];
                if (call.ContentType is not null)
                {
                    headers.Add(("Content-Type", call.ContentType));
                }

                if (auth is not null)
                {
                    headers.Add(("Authorization", auth));
                }

                var hasBody = call.Method != "GET" || call.Body.Length > 0;
                // A fresh client address per call: the endpoints allow 30 calls a minute per address.
                var response = await RawHttp.SendAsync(ProxyPort(index % 2), SourceAddress(80 + (index / 250), index), RawHttp.Request(call.Method, call.Path, headers, hasBody ? call.Body : null));

                Assert.True(response is not null, "no response");
                statuses.AddOrUpdate(response.Status, 1, (_, n) => n + 1);
                Assert.True(Allowed.Contains(response.Status), $"{response.Status}: {response.BodyText}");
                if (response.Status >= 400)
                {
                    Assert.StartsWith("application/problem+json", response.Header("Content-Type") ?? "(none)", StringComparison.Ordinal);
                }

                AssertNotEchoed(response, call.Secrets);
            },
            iter: 120,
            threads: 2,
            print: call => call.ToString());

        output.WriteLine($"statuses: {string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}");
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 3, $"statuses seen: {string.Join(", ", statuses.Keys)}");
        await AssertNoSecretLoggedAsync(secrets.ToList());
    }
}

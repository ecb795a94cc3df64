using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Auth;

/// <summary>The proxy's JSON account endpoints end to end: proxy → gRPC → auth → PostgreSQL.</summary>
[Collection(GatewayAppCollection.Name)]
public sealed class AccountsHttpApiTests(GatewayAppFixture fixture) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _proxy = fixture.App.CreateHttpClient("proxy", "http");

    [Fact]
    public async Task RegisterLoginKeysLogout_HappyPath()
    {
        var userName = AuthClients.NewUserName();
        var password = AuthClients.NewPassword();

        using var registered = await PostAsync("/auth/register", new { userName, password });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var user = await registered.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("free", user.GetProperty("plan").GetString());

        using var login = await PostAsync("/auth/login", new { userName, password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.True(login.Headers.CacheControl?.NoStore);
        var token = await login.Content.ReadFromJsonAsync<JsonElement>();
        var accessToken = token.GetProperty("accessToken").GetString()!;
        Assert.Equal("Bearer", token.GetProperty("tokenType").GetString());
        Assert.InRange(token.GetProperty("expiresIn").GetInt64(), 1, 3600);

        using var created = await SendAsync(HttpMethod.Post, "/auth/keys", accessToken, new { name = "ci" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("gw_key_", key.GetProperty("apiKey").GetString(), StringComparison.Ordinal);
        var keyId = key.GetProperty("key").GetProperty("id").GetString();

        using var listed = await SendAsync(HttpMethod.Get, "/auth/keys", accessToken);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var keys = await listed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(keyId, Assert.Single(keys.EnumerateArray()).GetProperty("id").GetString());
        Assert.DoesNotContain("gw_key_", keys.GetRawText().Replace(key.GetProperty("key").GetProperty("prefix").GetString()!, "", StringComparison.Ordinal), StringComparison.Ordinal);

        using var deleted = await SendAsync(HttpMethod.Delete, $"/auth/keys/{keyId}", accessToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using var logout = await SendAsync(HttpMethod.Post, "/auth/logout", accessToken);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);

        // The token no longer manages anything.
        using var afterLogout = await SendAsync(HttpMethod.Get, "/auth/keys", accessToken);
        await AssertProblemAsync(afterLogout, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", Assert.Single(afterLogout.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task GrpcErrors_BecomeTheDocumentedHttpProblems()
    {
        var userName = AuthClients.NewUserName();
        var password = AuthClients.NewPassword();
        using (var first = await PostAsync("/auth/register", new { userName, password }))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        // INVALID_ARGUMENT → 400, with the field named.
        using var invalid = await PostAsync("/auth/register", new { userName = "a", password });
        var invalidProblem = await AssertProblemAsync(invalid, HttpStatusCode.BadRequest);
        Assert.StartsWith("user_name:", invalidProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var shortPassword = await PostAsync("/auth/register", new { userName = AuthClients.NewUserName(), password = "eleven-char" });
        var shortProblem = await AssertProblemAsync(shortPassword, HttpStatusCode.BadRequest);
        Assert.Equal("password: must be at least 12 characters", shortProblem.GetProperty("detail").GetString());

        // ALREADY_EXISTS → 409.
        using var duplicate = await PostAsync("/auth/register", new { userName, password });
        await AssertProblemAsync(duplicate, HttpStatusCode.Conflict);

        // UNAUTHENTICATED → 401 + WWW-Authenticate.
        using var wrong = await PostAsync("/auth/login", new { userName, password = "wrong-password" });
        await AssertProblemAsync(wrong, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", Assert.Single(wrong.Headers.WwwAuthenticate).Scheme);

        // NOT_FOUND → 404.
        using var login = await PostAsync("/auth/login", new { userName, password });
        var accessToken = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        using var missingKey = await SendAsync(HttpMethod.Delete, $"/auth/keys/{Guid.NewGuid()}", accessToken);
        await AssertProblemAsync(missingKey, HttpStatusCode.NotFound);

        // RESOURCE_EXHAUSTED → 429 + Retry-After (the login above cleared earlier failures; 5 is the limit).
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var failure = await PostAsync("/auth/login", new { userName, password = "wrong-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, failure.StatusCode);
        }

        using var throttled = await PostAsync("/auth/login", new { userName, password });
        await AssertProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        // No bearer token at all → 401 from the proxy itself.
        using var anonymous = await SendAsync(HttpMethod.Get, "/auth/keys", accessToken: null);
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized);

        // A body that is not JSON → 400.
        using var notJson = await _proxy.PostAsync("/auth/login", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")).WaitAsync(Timeout);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(string path, object body) =>
        _proxy.PostAsJsonAsync(path, body).WaitAsync(Timeout);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? accessToken, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return _proxy.SendAsync(request).WaitAsync(Timeout);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    public void Dispose() => _proxy.Dispose();
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Gateway.EndToEndTests.Configuration;

/// <summary>Calls of the proxy's configuration admin API (<c>/gateway/config</c>) as an operator makes them.</summary>
internal sealed class ConfigAdmin(HttpClient replica, string token)
{
    public const string Path = "/gateway/config";

    public HttpClient Replica => replica;

    public Task<HttpResponseMessage> GetAsync(string path = Path) => replica.SendAsync(Request(HttpMethod.Get, path, body: null));

    public Task<HttpResponseMessage> PutAsync(string path, string json, string? ifMatch = null, string? summary = null) =>
        replica.SendAsync(Request(HttpMethod.Put, path, json, ifMatch, summary));

    public Task<HttpResponseMessage> DeleteAsync(string path, string? ifMatch = null) => replica.SendAsync(Request(HttpMethod.Delete, path, body: null, ifMatch));

    public Task<HttpResponseMessage> PostAsync(string path, string? ifMatch = null) => replica.SendAsync(Request(HttpMethod.Post, path, body: null, ifMatch));

    /// <summary>The version the replica serves (its ETag).</summary>
    public async Task<long> ActiveVersionAsync()
    {
        using var response = await GetAsync();
        response.EnsureSuccessStatusCode();
        return Version(response);
    }

    public static long Version(HttpResponseMessage response) =>
        long.Parse(response.Headers.ETag?.Tag.Trim('"') ?? throw new InvalidOperationException("no ETag"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A route to the sample API's space of its policy (<c>/api</c> for authenticated callers), under <c>/{name}/</c>.</summary>
    public static string Route(string name, string policy = "authenticated", string? rateLimiterPolicy = null, string space = "/api") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["clusterId"] = "sampleapi",
            ["authorizationPolicy"] = policy,
            ["rateLimiterPolicy"] = rateLimiterPolicy,
            ["match"] = new { path = $"/{name}/{{**rest}}" },
            ["transforms"] = new[] { new Dictionary<string, string> { ["PathPattern"] = space + "/{**rest}" } },
        });

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private HttpRequestMessage Request(HttpMethod method, string path, string? body, string? ifMatch = null, string? summary = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (summary is not null)
        {
            request.Headers.Add("Gateway-Change-Summary", summary);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return request;
    }
}

using System.Globalization;
using System.Text.Json;

namespace Gateway.Bench.Tenants.Report;

/// <summary>What tenants.sh reads from a proxy's <c>/gateway/diagnostics</c> (or the token-check service's <c>/stats</c>).</summary>
internal static class Diagnostics
{
    /// <summary>
    /// "auth-calls decisions lookups-refused": ValidateToken calls, rate-limit decisions (every
    /// outcome is one) and cache misses not sent to the auth service; "- - -" when the body is not
    /// diagnostics (the admin's token could not be validated, say).
    /// </summary>
    public static string Summarise(string response)
    {
        // The whole HTTP response as bash read it: the JSON object is between the first '{' and the
        // last '}' (headers before it; a chunked body's size lines around it, one chunk at this size).
        var start = response.IndexOf('{', StringComparison.Ordinal);
        var end = response.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            return "- - -";
        }

        try
        {
            using var document = JsonDocument.Parse(response.AsMemory(start, end - start + 1));
            var root = document.RootElement;
            if (root.TryGetProperty("validateCalls", out var tokenCheckCalls))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{tokenCheckCalls.GetInt64()} 0 0");
            }

            var auth = root.GetProperty("authService");
            var decisions = root.GetProperty("rateLimiting").GetProperty("decisions").EnumerateObject().Sum(p => p.Value.GetInt64());
            var refused = auth.EnumerateObject().Where(p => p.Name.StartsWith("lookupsRefused", StringComparison.Ordinal)).Sum(p => p.Value.GetInt64());
            return string.Create(CultureInfo.InvariantCulture, $"{auth.GetProperty("validateCalls").GetInt64()} {decisions} {refused}");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "- - -";
        }
    }
}

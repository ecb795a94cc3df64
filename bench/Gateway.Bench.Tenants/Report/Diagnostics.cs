using Gateway.Bench.Measure;

namespace Gateway.Bench.Tenants.Report;

/// <summary>What tenants.sh reads from a proxy's <c>/gateway/diagnostics</c> (or the token-check service's <c>/stats</c>).</summary>
internal static class Diagnostics
{
    /// <summary>
    /// "auth-calls decisions lookups-refused": ValidateToken calls, rate-limit decisions (every
    /// outcome is one) and cache misses not sent to the auth service; "- - -" when the response
    /// holds no diagnostics (the admin's token could not be validated, say).
    /// </summary>
    /// <param name="response">The HTTP response, status line and headers included.</param>
    public static string Summarise(string response)
    {
        using var document = JsonFields.Parse(response);
        if (document is null)
        {
            return "- - -";
        }

        var root = document.RootElement;
        if (JsonFields.Value(root, "validateCalls") is var tokenCheckCalls and not "-")
        {
            return $"{tokenCheckCalls} 0 0";
        }

        var calls = JsonFields.Value(root, "authService.validateCalls");
        var decisions = JsonFields.Value(root, "rateLimiting.decisions");
        var refused = new[] { "OverBudget", "ClientBusy", "Busy" }
            .Select(reason => JsonFields.Value(root, "authService.lookupsRefused" + reason))
            .Sum(v => v == "-" ? 0 : long.Parse(v, System.Globalization.CultureInfo.InvariantCulture));
        return calls == "-" || decisions == "-" ? "- - -" : $"{calls} {decisions} {refused}";
    }
}

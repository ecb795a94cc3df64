using System.Globalization;
using System.Text.Json;

namespace Gateway.Bench.Measure;

/// <summary>Reads fields of a JSON body (or of an HTTP response that carries one) for the scripts: no sed on JSON.</summary>
public static class JsonFields
{
    /// <summary>
    /// The values at dotted <paramref name="paths"/> (<c>authService.validateCalls</c>), space-separated;
    /// "-" for a missing one. The object is taken between the first '{' and the last '}', so
    /// status line and headers may come first.
    /// </summary>
    public static string Read(string text, IEnumerable<string> paths)
    {
        using var document = Parse(text);
        return string.Join(' ', paths.Select(path => document is null ? "-" : Value(document.RootElement, path)));
    }

    /// <summary>The JSON object in <paramref name="text"/> (an HTTP response as bash read it, say), or null.</summary>
    public static JsonDocument? Parse(string text)
    {
        // A chunked body's size lines stand around the object: one chunk at the sizes read here.
        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        try
        {
            return start >= 0 && end > start ? JsonDocument.Parse(text.AsMemory(start, end - start + 1)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The value at a dotted path as text: a string, a number, or the sum of an object of numbers; "-" when missing.</summary>
    public static string Value(JsonElement element, string path)
    {
        foreach (var name in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return "-";
            }
        }

        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString() is { Length: > 0 } s ? s : "-",
            JsonValueKind.Number => element.GetDouble().ToString(CultureInfo.InvariantCulture),
            JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
            // An object of counts (rateLimiting.decisions): their sum.
            JsonValueKind.Object => element.EnumerateObject().Sum(p => p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : 0).ToString(CultureInfo.InvariantCulture),
            _ => "-",
        };
    }
}

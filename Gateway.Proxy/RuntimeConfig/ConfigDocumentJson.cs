using System.Text.Json;
using System.Text.Json.Serialization;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// Reads and writes <see cref="GatewayConfigDocument"/>s. Property names in any case (camelCase
/// written), enums by name, time spans as <c>hh:mm:ss</c>, HTTP versions as <c>"2"</c> or
/// <c>"1.1"</c>, as in appsettings.json. An unknown property is an error, not ignored: a
/// misspelt <c>"Macth"</c> would otherwise give a route that matches everything.
/// </summary>
internal static class ConfigDocumentJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>The document in <paramref name="json"/>, or why it is not one (<paramref name="error"/>).</summary>
    public static GatewayConfigDocument? TryParse(string json, out string? error)
    {
        try
        {
            var document = JsonSerializer.Deserialize<GatewayConfigDocument>(json, Options);
            if (document is null)
            {
                error = "The configuration must be a JSON object.";
                return null;
            }

            error = null;
            return Normalize(document);
        }
        catch (JsonException ex)
        {
            error = ex.Path is { Length: > 0 } path ? $"{path}: {Describe(ex)}" : Describe(ex);
            return null;
        }
    }

    /// <summary>An entity of a section (a route, a cluster, ...), or why it is not one.</summary>
    public static T? TryParseEntity<T>(string json, out string? error)
        where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(json, Options);
            error = value is null ? "The body must be a JSON object." : null;
            return value;
        }
        catch (JsonException ex)
        {
            error = ex.Path is { Length: > 0 } path ? $"{path}: {Describe(ex)}" : Describe(ex);
            return null;
        }
    }

    public static string Serialize(GatewayConfigDocument document) => JsonSerializer.Serialize(document, Options);

    /// <summary>
    /// Ids come from the keys (a body's own <c>RouteId</c>/<c>ClusterId</c> must agree, checked by
    /// the validator), and the string maps YARP reads by name (metadata, transforms) ignore case, as
    /// YARP's configuration reader makes them: a transform written <c>pathPattern</c> still is one.
    /// </summary>
    internal static GatewayConfigDocument Normalize(GatewayConfigDocument document)
    {
        var routes = new Dictionary<string, RouteConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, route) in document.Routes)
        {
            routes[id] = (route ?? new RouteConfig()) with
            {
                RouteId = string.IsNullOrEmpty(route?.RouteId) ? id : route.RouteId,
                Metadata = IgnoreCase(route?.Metadata),
                Transforms = route?.Transforms?.Select(t => (IReadOnlyDictionary<string, string>)IgnoreCase(t)!).ToList(),
            };
        }

        var clusters = new Dictionary<string, ClusterConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, cluster) in document.Clusters)
        {
            clusters[id] = (cluster ?? new ClusterConfig()) with
            {
                ClusterId = string.IsNullOrEmpty(cluster?.ClusterId) ? id : cluster.ClusterId,
                Metadata = IgnoreCase(cluster?.Metadata),
                Destinations = cluster?.Destinations?.ToDictionary(
                    d => d.Key, d => d.Value is null ? null! : d.Value with { Metadata = IgnoreCase(d.Value.Metadata) }, StringComparer.OrdinalIgnoreCase),
            };
        }

        return new GatewayConfigDocument
        {
            Routes = routes,
            Clusters = clusters,
            AuthorizationPolicies = new(document.AuthorizationPolicies, StringComparer.OrdinalIgnoreCase),
            RateLimitPolicies = new(document.RateLimitPolicies, StringComparer.Ordinal),
            Plans = new(document.Plans, StringComparer.Ordinal),
        };
    }

    private static Dictionary<string, string>? IgnoreCase(IReadOnlyDictionary<string, string>? map) =>
        map is null ? null : new Dictionary<string, string>(map, StringComparer.OrdinalIgnoreCase);

    private static string Describe(JsonException ex) =>
        // The serializer's messages name .NET types ("could not be converted to System.Int32"); the
        // path it adds already says where. Keep the first sentence.
        (ex.Message.Split(". Path:", 2)[0] is { Length: > 0 } message ? message : "Invalid JSON.").Replace("System.", string.Empty, StringComparison.Ordinal);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = 32,
            WriteIndented = true,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new HttpVersionConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary><c>"2"</c>, <c>"2.0"</c>, <c>"1.1"</c>: what YARP's configuration reader accepts for <c>HttpRequest.Version</c>.</summary>
    private sealed class HttpVersionConverter : JsonConverter<Version>
    {
        public override Version? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Number => reader.TryGetDecimal(out var number) ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
                _ => null,
            };
            if (text is null || !Version.TryParse(text.Contains('.', StringComparison.Ordinal) ? text : text + ".0", out var version))
            {
                throw new JsonException("An HTTP version is \"1.0\", \"1.1\", \"2\" or \"3\".");
            }

            return version;
        }

        public override void Write(Utf8JsonWriter writer, Version value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Minor == 0 ? value.Major.ToString(System.Globalization.CultureInfo.InvariantCulture) : value.ToString(2));
    }
}

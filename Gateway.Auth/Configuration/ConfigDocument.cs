using System.Text;
using System.Text.Json;
using Gateway.Auth.Grpc;
using Gateway.Contracts.Configuration;

namespace Gateway.Auth.Configuration;

/// <summary>
/// What this service checks of a configuration document before it stores one: the shape it relies
/// on (a JSON object within <see cref="ConfigChanges.MaxDocumentBytes"/>, a well-formed
/// <c>plans</c> section) and what PostgreSQL's <c>jsonb</c> cannot hold. Routes, clusters and
/// policies are the proxies' to validate, with YARP's validators. Failures are INVALID_ARGUMENT
/// naming the field.
/// </summary>
internal static class ConfigDocument
{
    public const string Field = "document";

    private static readonly JsonDocumentOptions ParseOptions = new()
    {
        // jsonb keeps the last of duplicate keys, other readers may keep the first: a document
        // whose meaning depends on the reader is refused.
        AllowDuplicateProperties = false,
    };

    /// <summary>The document's plans; throws INVALID_ARGUMENT for anything this service cannot store.</summary>
    /// <param name="plansAllowed">False for a bootstrap document, whose plans the service supplies.</param>
    public static IReadOnlyDictionary<string, PlanLimits> Validate(string document, bool plansAllowed)
    {
        if (string.IsNullOrEmpty(document))
        {
            throw RequestValidation.Invalid(Field, "is required");
        }

        // Every UTF-16 unit is at least one UTF-8 byte: a longer string cannot fit.
        if (document.Length > ConfigChanges.MaxDocumentBytes || Encoding.UTF8.GetByteCount(document) > ConfigChanges.MaxDocumentBytes)
        {
            throw RequestValidation.Invalid(Field, $"must be at most {ConfigChanges.MaxDocumentBytes} bytes (UTF-8)");
        }

        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(document, ParseOptions);
        }
        catch (JsonException ex)
        {
            throw RequestValidation.Invalid(Field, $"not valid JSON: {ex.Message}");
        }

        using (parsed)
        {
            var root = parsed.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw RequestValidation.Invalid(Field, "must be a JSON object");
            }

            // A string can only hold U+0000 or half a surrogate pair through a \u escape (protobuf
            // has already turned invalid UTF-8 into U+FFFD), so documents without one skip the walk.
            if (document.Contains("\\u", StringComparison.Ordinal) && UnstorableString(root) is { } problem)
            {
                throw RequestValidation.Invalid(Field, problem);
            }

            if (!plansAllowed && ConfigPlans.HasSection(root))
            {
                throw RequestValidation.Invalid(ConfigPlans.SectionName, "must be left out: this service adds the plans it has");
            }

            try
            {
                return ConfigPlans.Read(root);
            }
            catch (ConfigFormatException ex)
            {
                throw RequestValidation.Invalid(ex.Field, ex.Problem);
            }
        }
    }

    /// <summary>Why PostgreSQL's jsonb would refuse a string (or member name) in <paramref name="root"/>, or null.</summary>
    private static string? UnstorableString(JsonElement root)
    {
        try
        {
            return StringProblem(root);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode an escaped lone surrogate; PostgreSQL refuses to store it.
            return "strings must not contain half a surrogate pair (\\uD800-\\uDFFF alone)";
        }
    }

    private static string? StringProblem(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    if ((StringProblem(member.Name) ?? StringProblem(member.Value)) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (StringProblem(item) is { } problem)
                    {
                        return problem;
                    }
                }

                return null;
            case JsonValueKind.String:
                return StringProblem(element.GetString()!);
            default:
                return null;
        }
    }

    private static string? StringProblem(string value) =>
        value.Contains('\0', StringComparison.Ordinal) ? "strings must not contain \\u0000 (PostgreSQL's jsonb cannot store it)" : null;
}

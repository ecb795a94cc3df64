using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Contracts.Configuration;

/// <summary>
/// The <c>plans</c> section of a configuration document, read and written by one type: the auth
/// service upserts it into its plans table when a version is stored, the proxy builds its plan
/// table from it.
/// </summary>
/// <remarks>
/// <para>The section is optional: <c>{ "plans": { "&lt;name&gt;": { "requestsPerWindow": 60, "windowSeconds": 60 } } }</c>.
/// Names follow <see cref="PlanNames"/>; <c>requestsPerWindow</c> is required (1 to
/// <see cref="int.MaxValue"/>), <c>windowSeconds</c> is 1-86400 and 60 when left out.</para>
/// <para>Member names are matched ignoring case, like .NET configuration binding, so a document
/// that gives one member twice in different cases (<c>plans</c> and <c>Plans</c>) is refused
/// rather than read one way here and another way elsewhere. Unknown members of a plan are refused
/// too: a misspelt <c>windowSecond</c> would otherwise silently become the 60-second default.</para>
/// </remarks>
public static class ConfigPlans
{
    public const string SectionName = "plans";

    public const string RequestsPerWindowName = "requestsPerWindow";

    public const string WindowSecondsName = "windowSeconds";

    /// <summary>Longest plan name quoted back in an error message.</summary>
    private const int MaxQuotedName = 40;

    /// <summary>
    /// The plans of <paramref name="document"/> (a JSON object), by name; empty when it has no
    /// <c>plans</c> section. Throws <see cref="ConfigFormatException"/> naming the first bad field.
    /// </summary>
    public static IReadOnlyDictionary<string, PlanLimits> Read(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigFormatException("document", "must be a JSON object");
        }

        var plans = new Dictionary<string, PlanLimits>(StringComparer.Ordinal);
        if (FindMember(document, SectionName, SectionName) is not { } section)
        {
            return plans.AsReadOnly();
        }

        if (section.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigFormatException(SectionName, "must be an object of plans by name");
        }

        foreach (var plan in section.EnumerateObject())
        {
            if (!PlanNames.IsValid(plan.Name))
            {
                throw new ConfigFormatException($"{SectionName}[{Quote(plan.Name)}]", $"a plan name {PlanNames.Rule}");
            }

            // Names differing in case cannot both be valid; a name given twice exactly is left to
            // the parser by some callers (System.Text.Json keeps both unless told otherwise).
            if (!plans.TryAdd(plan.Name, ReadPlan(plan.Value, $"{SectionName}.{plan.Name}")))
            {
                throw new ConfigFormatException($"{SectionName}.{plan.Name}", "is given more than once");
            }
        }

        return plans.AsReadOnly();
    }

    /// <summary>
    /// <paramref name="document"/> (a JSON object) with its <c>plans</c> section replaced by
    /// <paramref name="plans"/>, ordered by name; every other member is kept as it was.
    /// </summary>
    public static string WithPlans(string document, IEnumerable<KeyValuePair<string, PlanLimits>> plans)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(plans);
        if (JsonNode.Parse(document) is not JsonObject root)
        {
            throw new ArgumentException("The document must be a JSON object.", nameof(document));
        }

        foreach (var name in root.Select(member => member.Key).Where(IsSectionName).ToList())
        {
            root.Remove(name);
        }

        var section = new JsonObject();
        foreach (var (name, limits) in plans.OrderBy(plan => plan.Key, StringComparer.Ordinal))
        {
            if (!PlanNames.IsValid(name))
            {
                throw new ArgumentException($"Plan name {Quote(name)} {PlanNames.Rule}.", nameof(plans));
            }

            if (limits.RequestsPerWindow < PlanLimits.MinRequestsPerWindow
                || limits.WindowSeconds is < PlanLimits.MinWindowSeconds or > PlanLimits.MaxWindowSeconds)
            {
                throw new ArgumentException($"Plan {name} has limits out of range ({limits}).", nameof(plans));
            }

            section[name] = new JsonObject
            {
                [RequestsPerWindowName] = limits.RequestsPerWindow,
                [WindowSecondsName] = limits.WindowSeconds,
            };
        }

        root[SectionName] = section;
        return root.ToJsonString();
    }

    /// <summary>Whether <paramref name="document"/> (a JSON object) has a <c>plans</c> member, in any case.</summary>
    public static bool HasSection(JsonElement document) =>
        document.ValueKind == JsonValueKind.Object && document.EnumerateObject().Any(member => IsSectionName(member.Name));

    private static bool IsSectionName(string name) => string.Equals(name, SectionName, StringComparison.OrdinalIgnoreCase);

    private static PlanLimits ReadPlan(JsonElement plan, string path)
    {
        if (plan.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigFormatException(path, $"must be an object with {RequestsPerWindowName} and optionally {WindowSecondsName}");
        }

        foreach (var member in plan.EnumerateObject())
        {
            if (!string.Equals(member.Name, RequestsPerWindowName, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(member.Name, WindowSecondsName, StringComparison.OrdinalIgnoreCase))
            {
                throw new ConfigFormatException($"{path}[{Quote(member.Name)}]", $"unknown field (a plan has {RequestsPerWindowName} and {WindowSecondsName})");
            }
        }

        var requests = FindMember(plan, RequestsPerWindowName, $"{path}.{RequestsPerWindowName}") is { } requestsValue
            ? ReadInt(requestsValue, $"{path}.{RequestsPerWindowName}", PlanLimits.MinRequestsPerWindow, PlanLimits.MaxRequestsPerWindow)
            : throw new ConfigFormatException($"{path}.{RequestsPerWindowName}", "is required");
        var window = FindMember(plan, WindowSecondsName, $"{path}.{WindowSecondsName}") is { } windowValue
            ? ReadInt(windowValue, $"{path}.{WindowSecondsName}", PlanLimits.MinWindowSeconds, PlanLimits.MaxWindowSeconds)
            : PlanLimits.DefaultWindowSeconds;
        return new PlanLimits(requests, window);
    }

    /// <summary>The member named <paramref name="name"/> in any case; refuses two spellings of it.</summary>
    private static JsonElement? FindMember(JsonElement element, string name, string path)
    {
        JsonElement? found = null;
        foreach (var member in element.EnumerateObject())
        {
            if (!string.Equals(member.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (found is not null)
            {
                throw new ConfigFormatException(path, "is given more than once (member names are compared ignoring case)");
            }

            found = member.Value;
        }

        return found;
    }

    private static int ReadInt(JsonElement value, string path, int min, int max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new ConfigFormatException(path, $"must be a whole number between {min} and {max}");
        }

        if (value.TryGetInt64(out var number))
        {
            return number >= min && number <= max
                ? (int)number
                : throw new ConfigFormatException(path, $"must be between {min} and {max}");
        }

        // Not an Int64: either a fraction or exponent ("60.0", "6e1": refused as a .NET int would
        // refuse them), or an integer with too many digits.
        var text = value.GetRawText();
        return text.AsSpan().IndexOfAny('.', 'e', 'E') >= 0
            ? throw new ConfigFormatException(path, $"must be a whole number between {min} and {max} (no fraction or exponent)")
            : throw new ConfigFormatException(path, $"must be between {min} and {max}");
    }

    /// <summary>A member name quoted as JSON, shortened: error messages never carry a long or raw value.</summary>
    private static string Quote(string name) =>
        $"\"{JsonEncodedText.Encode(name.Length > MaxQuotedName ? string.Concat(name.AsSpan(0, MaxQuotedName), "...") : name)}\"";
}

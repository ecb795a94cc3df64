namespace Gateway.Auth.Configuration;

/// <summary>A row of <c>config_versions</c>; <see cref="Document"/> is empty when a listing leaves it out.</summary>
internal sealed class ConfigVersionRow
{
    public long Version { get; init; }
    public string Document { get; init; } = string.Empty;
    public string Author { get; init; } = string.Empty;
    public string Summary { get; init; } = string.Empty;
    public DateTime CreatedAt { get; init; }
    public long? RestoredFrom { get; init; }
}

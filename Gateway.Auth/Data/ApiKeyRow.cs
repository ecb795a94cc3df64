namespace Gateway.Auth.Data;

internal sealed class ApiKeyRow
{
    public Guid Id { get; init; }
    public string Name { get; init; } = string.Empty;
    public string Prefix { get; init; } = string.Empty;
    public DateTime CreatedAt { get; init; }
    public DateTime? RevokedAt { get; init; }
}

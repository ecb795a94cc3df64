namespace Gateway.Auth.Data;

internal sealed class PlanRow
{
    public string Name { get; init; } = string.Empty;
    public int RequestsPerWindow { get; init; }
    public int WindowSeconds { get; init; }
}

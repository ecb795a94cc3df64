namespace Gateway.Auth.Data;

internal sealed class UnknownPlanException(string plan) : Exception($"Plan '{plan}' does not exist.")
{
    public string Plan { get; } = plan;
}

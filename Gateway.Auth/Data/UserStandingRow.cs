namespace Gateway.Auth.Data;

/// <summary>What decides whether a user may still use what they signed in to: disabled, and roles.</summary>
internal sealed class UserStandingRow
{
    public bool Disabled { get; init; }
    public string[] Roles { get; init; } = [];
}

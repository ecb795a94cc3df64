namespace Gateway.Auth.Data;

internal sealed class LoginRow
{
    public Guid Id { get; init; }
    public string PasswordHash { get; init; } = string.Empty;
    public string Plan { get; init; } = string.Empty;
    public bool Disabled { get; init; }
}

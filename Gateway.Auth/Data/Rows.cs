namespace Gateway.Auth.Data;

// Dapper materialises these from snake_case columns (MatchNamesWithUnderscores); CredentialStore
// reads PrincipalRow by hand.

internal sealed class LoginRow
{
    public Guid Id { get; init; }
    public string PasswordHash { get; init; } = string.Empty;
    public string Plan { get; init; } = string.Empty;
    public bool Disabled { get; init; }
}

/// <summary>A credential's owner and limits, plus the credential's own state.</summary>
internal sealed class PrincipalRow
{
    public Guid UserId { get; init; }
    public string UserName { get; init; } = string.Empty;
    public string Plan { get; init; } = string.Empty;
    public int RequestsPerWindow { get; init; }
    public int WindowSeconds { get; init; }
    public string[] Roles { get; init; } = [];
    public bool Disabled { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public DateTime? RevokedAt { get; init; }
}

internal sealed class ApiKeyRow
{
    public Guid Id { get; init; }
    public string Name { get; init; } = string.Empty;
    public string Prefix { get; init; } = string.Empty;
    public DateTime CreatedAt { get; init; }
    public DateTime? RevokedAt { get; init; }
}

internal sealed class PlanRow
{
    public string Name { get; init; } = string.Empty;
    public int RequestsPerWindow { get; init; }
    public int WindowSeconds { get; init; }
}

namespace Gateway.Auth.Data;

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

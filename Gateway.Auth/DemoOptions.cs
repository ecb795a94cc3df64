namespace Gateway.Auth;

internal sealed class DemoOptions
{
    /// <summary>Password of the demo users <c>demo</c> (free) and <c>admin</c> (pro, admin role).</summary>
    public string? Password { get; set; }
}

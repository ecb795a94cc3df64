namespace Gateway.Dashboard.Security;

/// <summary>What the auth service says of a signed-in admin now.</summary>
internal enum AdminStanding
{
    /// <summary>Still holds the admin role and is not disabled.</summary>
    Admin,

    /// <summary>Lost the role, disabled, or gone: the session ends.</summary>
    NotAdmin,

    /// <summary>The auth service did not answer (down, deadline, misconfigured key): nothing known.</summary>
    Unknown,
}

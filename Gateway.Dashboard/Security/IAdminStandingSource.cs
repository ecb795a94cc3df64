namespace Gateway.Dashboard.Security;

/// <summary>Asks whether a user still may see the dashboard as an admin (the auth service; a fake in tests).</summary>
internal interface IAdminStandingSource
{
    Task<AdminStanding> GetAsync(string userId, CancellationToken cancellationToken);
}

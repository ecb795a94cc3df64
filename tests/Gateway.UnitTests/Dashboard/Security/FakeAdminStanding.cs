using Gateway.Dashboard.Security;

namespace Gateway.UnitTests.Dashboard.Security;

/// <summary>Answers what the test says the auth service would, and counts the questions.</summary>
internal sealed class FakeAdminStanding : IAdminStandingSource
{
    public AdminStanding Answer { get; set; } = AdminStanding.Admin;

    public int Calls { get; private set; }

    public Task<AdminStanding> GetAsync(string userId, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(Answer);
    }
}

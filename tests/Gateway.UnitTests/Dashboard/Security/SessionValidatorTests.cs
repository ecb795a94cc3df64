using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Gateway.Dashboard.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Dashboard.Security;

public sealed class SessionValidatorTests
{
    private static readonly DashboardSecurityOptions Settings = new()
    {
        AbsoluteLifetime = TimeSpan.FromHours(8),
        IdleTimeout = TimeSpan.FromMinutes(30),
        RoleRecheckInterval = TimeSpan.FromSeconds(60),
        RecheckGrace = TimeSpan.FromMinutes(5),
    };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero));
    private readonly FakeAdminStanding _standing = new();

    [Theory]
    [InlineData("admin")]
    [InlineData("operator")]
    public async Task CheckAsync_AbsoluteLifetimeReached_EndsHoweverActive(string role)
    {
        var validator = NewValidator();
        var ticket = SignedIn(role);

        // Active all along (a request every 10 minutes, every re-check passing)...
        for (var elapsed = TimeSpan.Zero; elapsed < Settings.AbsoluteLifetime; elapsed += TimeSpan.FromMinutes(10))
        {
            Assert.NotEqual(SessionVerdict.Ended, await validator.CheckAsync(ticket, CancellationToken.None));
            _time.Advance(TimeSpan.FromMinutes(10));
        }

        // ...and still over at the absolute end.
        Assert.Equal(SessionVerdict.Ended, await validator.CheckAsync(ticket, CancellationToken.None));
    }

    [Fact]
    public void TimeToLive_IsTheIdleTimeout_NeverPastTheAbsoluteEnd()
    {
        var ticket = SignedIn("admin");
        var now = _time.GetUtcNow();

        Assert.Equal(Settings.IdleTimeout, RedisTicketStore.TimeToLive(ticket.Properties, now, Settings.IdleTimeout));
        Assert.Equal(TimeSpan.FromMinutes(10), RedisTicketStore.TimeToLive(ticket.Properties, now + Settings.AbsoluteLifetime - TimeSpan.FromMinutes(10), Settings.IdleTimeout));
        Assert.Null(RedisTicketStore.TimeToLive(ticket.Properties, now + Settings.AbsoluteLifetime, Settings.IdleTimeout));
    }

    [Fact]
    public async Task CheckAsync_Admin_ReCheckedOncePerInterval_DemotionEndsTheSession()
    {
        var validator = NewValidator();
        var ticket = SignedIn("admin");

        // Within the interval of the sign-in (which checked the role itself) nobody is asked.
        _time.Advance(Settings.RoleRecheckInterval - TimeSpan.FromSeconds(1));
        Assert.Equal(SessionVerdict.Valid, await validator.CheckAsync(ticket, CancellationToken.None));
        Assert.Equal(0, _standing.Calls);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SessionVerdict.Renewed, await validator.CheckAsync(ticket, CancellationToken.None));
        Assert.Equal(SessionVerdict.Valid, await validator.CheckAsync(ticket, CancellationToken.None));
        Assert.Equal(1, _standing.Calls);

        _standing.Answer = AdminStanding.NotAdmin;
        _time.Advance(Settings.RoleRecheckInterval);
        Assert.Equal(SessionVerdict.Ended, await validator.CheckAsync(ticket, CancellationToken.None));
    }

    [Fact]
    public async Task CheckAsync_AuthUnavailable_KeptWithinTheGrace_EndedAfter()
    {
        var validator = NewValidator();
        var ticket = SignedIn("admin");
        _standing.Answer = AdminStanding.Unknown;

        _time.Advance(Settings.RoleRecheckInterval + Settings.RecheckGrace - TimeSpan.FromSeconds(1));
        Assert.Equal(SessionVerdict.Valid, await validator.CheckAsync(ticket, CancellationToken.None));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(SessionVerdict.Ended, await validator.CheckAsync(ticket, CancellationToken.None));
        Assert.Equal(2, _standing.Calls);
    }

    [Fact]
    public async Task CheckAsync_OperatorKeySession_NoRoleToReCheck()
    {
        var validator = NewValidator();
        var ticket = SignedIn(DashboardSignIn.OperatorRole);
        _standing.Answer = AdminStanding.NotAdmin;

        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(SessionVerdict.Valid, await validator.CheckAsync(ticket, CancellationToken.None));
        Assert.Equal(0, _standing.Calls);
    }

    [Fact]
    public void Options_AbsoluteLifetimeShorterThanIdleTimeout_Invalid()
    {
        var options = new DashboardSecurityOptions { AbsoluteLifetime = TimeSpan.FromMinutes(10), IdleTimeout = TimeSpan.FromMinutes(30) };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(DashboardSecurityOptions.AbsoluteLifetime)));
        var defaults = new DashboardSecurityOptions();
        Assert.True(Validator.TryValidateObject(defaults, new ValidationContext(defaults), [], validateAllProperties: true));
    }

    private SessionValidator NewValidator() => new(_standing, Options.Create(Settings), _time, NullLogger<SessionValidator>.Instance);

    /// <summary>A ticket as the cookie handler stores it at sign-in: issued now, expiring at the absolute end.</summary>
    private AuthenticationTicket SignedIn(string role)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "someone"), new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString("D")), new Claim(ClaimTypes.Role, role)],
            CookieAuthenticationDefaults.AuthenticationScheme));
        var now = _time.GetUtcNow();
        var properties = new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + Settings.AbsoluteLifetime, AllowRefresh = false };
        return new AuthenticationTicket(principal, properties, CookieAuthenticationDefaults.AuthenticationScheme);
    }
}

using System.Net;
using Gateway.EndToEndTests.Infrastructure;
using Gateway.TestSupport;

namespace Gateway.EndToEndTests.Dashboard;

/// <summary>Only admins (through the auth service) and operator-key holders see the dashboard.</summary>
[Collection(GatewayAppCollection.Name)]
public sealed class DashboardAccessTests(GatewayAppFixture fixture) : IDisposable
{
    private readonly AuthClients _auth = new(fixture.App);

    [Fact]
    public async Task Anonymous_PageRedirectsToLogin_StreamAndSnapshotRefused()
    {
        using var session = DashboardSession.Anonymous(fixture.App);

        using var page = await session.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login", page.Headers.Location?.AbsolutePath);

        foreach (var path in new[] { "/api/stream", "/api/snapshot" })
        {
            using var response = await session.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // A form post without the page's antiforgery token is refused before any credential check.
        using var forged = await session.Client.PostAsync("/account/login", new FormUrlEncodedContent([new("OperatorKey", "x")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task WrongPassword_NonAdminUser_WrongKey_RefusedWithReason()
    {
        var (userName, password, _) = await _auth.NewLoggedInUserAsync();

        using var wrongPassword = DashboardSession.Anonymous(fixture.App);
        var refused = await wrongPassword.SignInWithPasswordAsync("admin", Task.FromResult("not-the-password-1"));
        Assert.Contains("error=InvalidCredentials", refused.OriginalString, StringComparison.Ordinal);

        using var nonAdmin = DashboardSession.Anonymous(fixture.App);
        refused = await nonAdmin.SignInWithPasswordAsync(userName, Task.FromResult(password));
        Assert.Contains("error=NotAnAdmin", refused.OriginalString, StringComparison.Ordinal);

        using var wrongKey = DashboardSession.Anonymous(fixture.App);
        refused = await wrongKey.SignInAsync([new("OperatorKey", "guess-" + Guid.NewGuid())]);
        Assert.Contains("error=InvalidCredentials", refused.OriginalString, StringComparison.Ordinal);

        foreach (var session in new[] { wrongPassword, nonAdmin, wrongKey })
        {
            using var snapshot = await session.Client.GetAsync("/api/snapshot");
            Assert.Equal(HttpStatusCode.Unauthorized, snapshot.StatusCode);
        }
    }

    [Fact]
    public async Task AdminAndOperatorKey_SeeTheSnapshot_UntilSignOut()
    {
        using var admin = DashboardSession.Anonymous(fixture.App);
        Assert.Equal("/", (await admin.SignInAsAdminAsync(fixture.App)).OriginalString);
        using var operatorSession = DashboardSession.Anonymous(fixture.App);
        Assert.Equal("/", (await operatorSession.SignInWithOperatorKeyAsync(fixture.App)).OriginalString);

        foreach (var session in new[] { admin, operatorSession })
        {
            var snapshot = await Poll.UntilAsync(async ct =>
            {
                using var response = await session.Client.GetAsync("/api/snapshot", ct);
                return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync(ct) : null;
            }, TimeSpan.FromSeconds(30), "a dashboard snapshot");
            Assert.Contains("\"replicas\"", snapshot, StringComparison.Ordinal);

            using var page = await session.Client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        // Sign out (the form carries the page's antiforgery token): the cookie stops working.
        using var pageWithForm = await admin.Client.GetAsync("/");
        var token = System.Text.RegularExpressions.Regex.Match(await pageWithForm.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var logout = await admin.Client.PostAsync("/account/logout", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        using var after = await admin.Client.GetAsync("/api/snapshot");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    public async Task SignIn_ReturnUrlOffSite_GoesHomeInstead(string returnUrl)
    {
        using var session = DashboardSession.Anonymous(fixture.App);
        var location = await session.SignInAsync([new("OperatorKey", await DashboardSession.OperatorKeyAsync(fixture.App))], returnUrl);
        Assert.Equal("/", location.OriginalString);
    }

    public void Dispose() => _auth.Dispose();
}

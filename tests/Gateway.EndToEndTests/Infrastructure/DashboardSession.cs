using System.Net;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Gateway.EndToEndTests.Infrastructure;

/// <summary>
/// An HTTP client of the dashboard with its own cookie jar, signing in through the login form
/// the way a browser does (antiforgery token from the page, then the form post).
/// </summary>
public sealed partial class DashboardSession : IDisposable
{
    private DashboardSession(Uri address)
    {
        Address = address;
        Client = new HttpClient(new SocketsHttpHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>The session's cookie jar (to copy the cookie, as a thief would).</summary>
    public CookieContainer Cookies { get; } = new();

    public static DashboardSession Anonymous(DistributedApplication app) => new(app.GetEndpoint("dashboard", "http"));

    /// <summary>Signs in; returns where the login form redirected to.</summary>
    public async Task<Uri> SignInAsync(IEnumerable<KeyValuePair<string, string>> fields, string? returnUrl = null)
    {
        using var loginPage = await Client.GetAsync("/login");
        loginPage.EnsureSuccessStatusCode();
        var token = AntiforgeryToken().Match(await loginPage.Content.ReadAsStringAsync()).Groups["token"].Value;
        Assert.False(string.IsNullOrEmpty(token), "the login page carries an antiforgery token");

        using var form = new FormUrlEncodedContent([
            new("__RequestVerificationToken", token),
            new("ReturnUrl", returnUrl ?? "/"),
            .. fields]);
        using var response = await Client.PostAsync("/account/login", form);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location ?? throw new InvalidOperationException("No redirect location.");
    }

    public Task<Uri> SignInAsAdminAsync(DistributedApplication app) =>
        SignInWithPasswordAsync("admin", AuthClients.DemoPasswordAsync(app));

    public async Task<Uri> SignInWithPasswordAsync(string userName, Task<string> password) =>
        await SignInAsync([new("UserName", userName), new("Password", await password)]);

    public async Task<Uri> SignInWithOperatorKeyAsync(DistributedApplication app) =>
        await SignInAsync([new("OperatorKey", await OperatorKeyAsync(app))]);

    public static Task<string> OperatorKeyAsync(DistributedApplication app) => AppResources.ParameterAsync(app, "dashboard-operator-key");

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

using Gateway.Auth;
using Gateway.Auth.Extensions;
using Gateway.Auth.Grpc;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Auth;

/// <summary>
/// The 12-character minimum for new passwords (issue #18): where passwords are set, how length is
/// counted, what logins still accept, and which settings the service refuses to start with.
/// </summary>
public sealed class PasswordPolicyTests
{
    private static readonly PasswordPolicyOptions Defaults = new();

    [Fact]
    public void NewPassword_ElevenCharacters_InvalidArgumentSayingTheMinimum_TwelveAccepted()
    {
        var error = Assert.Throws<RpcException>(() => RequestValidation.NewPassword("eleven-char", Defaults));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("password: must be at least 12 characters", error.Status.Detail);
        Assert.Equal("twelve-chars", RequestValidation.NewPassword("twelve-chars", Defaults));
    }

    [Fact]
    public void NewPassword_OverTheMaximum_InvalidArgumentSayingTheMaximum()
    {
        var error = Assert.Throws<RpcException>(() => RequestValidation.NewPassword(new string('p', 129), Defaults));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("password: must be at most 128 characters", error.Status.Detail);
        Assert.Equal(128, RequestValidation.NewPassword(new string('p', 128), Defaults).Length);
    }

    [Fact]
    public void NewPassword_LengthInCodePoints_SixEmojiAreSixCharactersNotTwelve()
    {
        var six = string.Concat(Enumerable.Repeat("\U0001F511", 6)); // 12 UTF-16 units
        var twelve = string.Concat(Enumerable.Repeat("\U0001F511", 12));

        Assert.Equal(12, six.Length);
        Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => RequestValidation.NewPassword(six, Defaults)).StatusCode);
        Assert.Equal(twelve, RequestValidation.NewPassword(twelve, Defaults));
    }

    [Fact]
    public void NewPassword_RaisedMinimum_Applies()
    {
        var policy = new PasswordPolicyOptions { MinLength = 16 };

        var error = Assert.Throws<RpcException>(() => RequestValidation.NewPassword("fifteen-charact", policy));

        Assert.Equal("password: must be at least 16 characters", error.Status.Detail);
    }

    [Fact]
    public void ExistingPassword_ShorterThanTheMinimum_StillAccepted()
    {
        // Passwords registered under the old 8-character minimum must keep signing in.
        Assert.Equal("hunter22", RequestValidation.ExistingPassword("hunter22", Defaults.MaxLength));
    }

    [Fact]
    public void Settings_Defaults_Valid()
    {
        using var host = AuthHost();

        Assert.Equal(12, host.Services.GetRequiredService<IOptions<PasswordPolicyOptions>>().Value.MinLength);
        Assert.Equal(128, host.Services.GetRequiredService<IOptions<PasswordPolicyOptions>>().Value.MaxLength);
        Assert.NotNull(host.Services.GetRequiredService<IOptions<AuthOptions>>().Value);
    }

    public static TheoryData<string, string> RefusedPolicies() => new()
    {
        { "Auth:Passwords:MinLength", "8" },
        { "Auth:Passwords:MinLength", "11" },
        { "Auth:Passwords:MaxLength", "32" },
        { "Auth:Passwords:MaxLength", "4096" },
    };

    [Theory]
    [MemberData(nameof(RefusedPolicies))]
    public void Settings_MinimumBelowTwelveOrMaximumOutOfRange_Refused(string key, string value)
    {
        using var host = AuthHost((key, value));

        Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<PasswordPolicyOptions>>().Value);
    }

    [Fact]
    public void Settings_MinimumAboveMaximum_Refused()
    {
        using var host = AuthHost(("Auth:Passwords:MinLength", "200"), ("Auth:Passwords:MaxLength", "100"));

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<PasswordPolicyOptions>>().Value);
        Assert.Contains("must not exceed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auth:LoginThrottle:MaxFailuresPerAccountAndClient", "0")]
    [InlineData("Auth:LoginThrottle:Window", "00:00:00")]
    public void Settings_LoginThrottleOutOfRange_Refused(string key, string value)
    {
        using var host = AuthHost((key, value));

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<AuthOptions>>().Value);
        Assert.Contains(key.Split(':')[^1], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_DemoPasswordShorterThanTheMinimum_RefusedWithoutEchoingIt()
    {
        using var host = AuthHost(("Auth:Demo:Password", "demo-pw-11c"));

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<AuthOptions>>().Value);
        Assert.Contains("Auth:Demo:Password must be at least 12 characters", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("demo-pw-11c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_DemoPasswordOfTwelve_Accepted()
    {
        using var host = AuthHost(("Auth:Demo:Password", "demo-pw-12ch"));

        Assert.Equal("demo-pw-12ch", host.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Demo.Password);
    }

    public static TheoryData<string, string> RefusedPurgeSettings() => new()
    {
        { "Auth:TokenPurge:ExpiredTokenRetention", "00:00:00" },
        { "Auth:TokenPurge:ExpiredTokenRetention", "00:00:59" },
        { "Auth:TokenPurge:RevokedApiKeyRetention", "00:00:00" },
        { "Auth:TokenPurge:Interval", "00:00:00" },
        { "Auth:TokenPurge:BatchSize", "0" },
    };

    [Theory]
    [MemberData(nameof(RefusedPurgeSettings))]
    public void Settings_PurgeRetentionBelowAMinuteOrNoInterval_Refused(string key, string value)
    {
        using var host = AuthHost((key, value));

        Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<TokenPurgeOptions>>().Value);
    }

    /// <summary>The auth service's registrations as Program.cs makes them; nothing is started or connected.</summary>
    private static IHost AuthHost(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(
            settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))
                .Append(KeyValuePair.Create("ConnectionStrings:authdb", (string?)"Host=127.0.0.1;Port=1;Database=authdb;Username=nobody"))
                .Append(KeyValuePair.Create("ConnectionStrings:redis", (string?)"127.0.0.1:1")));
        builder.AddApplicationServices();
        return builder.Build();
    }
}

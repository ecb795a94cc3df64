using Gateway.Auth.Grpc;
using Microsoft.Extensions.Options;

namespace Gateway.Auth;

/// <summary>
/// The demo users' password is a password set like any other: it must meet <c>Auth:Passwords</c>,
/// or the service does not start (the AppHost generates 16 characters; a shorter value supplied
/// by hand is refused here, with a message that does not echo it).
/// </summary>
internal sealed class DemoPasswordValidation(IOptions<PasswordPolicyOptions> policy) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options) =>
        options.Demo.Password is { Length: > 0 } password && RequestValidation.NewPasswordProblem(password, policy.Value) is { } problem
            ? ValidateOptionsResult.Fail($"Auth:Demo:Password {problem} (Auth:Passwords).")
            : ValidateOptionsResult.Success;
}

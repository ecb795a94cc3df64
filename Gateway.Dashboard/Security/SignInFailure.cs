namespace Gateway.Dashboard.Security;

/// <summary>Why a sign-in failed; shown on the login page as a fixed message (never echoing input).</summary>
public enum SignInFailure
{
    None,
    InvalidCredentials,
    NotAnAdmin,
    Throttled,
    AuthUnavailable,
    SessionStoreUnavailable,
}

using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Gateway.Auth.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Security;

/// <summary>Why a sign-in failed; shown on the login page as a fixed message (never echoing input).</summary>
public enum SignInFailure
{
    None,
    InvalidCredentials,
    NotAnAdmin,
    Throttled,
    AuthUnavailable,
}

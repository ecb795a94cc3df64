using System.Buffers;
using Gateway.Contracts.Configuration;
using Gateway.Contracts.Credentials;
using Grpc.Core;

namespace Gateway.Auth.Grpc;

/// <summary>
/// Input limits for every string field. Failures are INVALID_ARGUMENT with a message that names
/// the field (proto field names) and never echoes the value.
/// </summary>
internal static class RequestValidation
{
    public const int MinUserNameLength = 3;
    public const int MaxUserNameLength = 64;
    public const int MaxKeyNameLength = 64;
    public const int MaxClientAddressLength = 64;

    private static readonly SearchValues<char> UserNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    /// <summary>A new user name: 3-64 of letters, digits, '.', '_' and '-'.</summary>
    public static string NewUserName(string value, string field = "user_name")
    {
        Required(value, field);
        if (value.Length is < MinUserNameLength or > MaxUserNameLength)
        {
            throw Invalid(field, $"must be {MinUserNameLength}-{MaxUserNameLength} characters");
        }

        if (value.AsSpan().ContainsAnyExcept(UserNameChars))
        {
            throw Invalid(field, "may contain only letters, digits, '.', '_' and '-'");
        }

        return value;
    }

    /// <summary>
    /// A new password: as long as <paramref name="policy"/> says (in code points), valid UTF-8, no
    /// control characters.
    /// </summary>
    public static string NewPassword(string value, PasswordPolicyOptions policy, string field = "password")
    {
        Required(value, field);
        return NewPasswordProblem(value, policy) is { } problem ? throw Invalid(field, problem) : value;
    }

    /// <summary>Why <paramref name="value"/> cannot be set as a password, or null when it can.</summary>
    public static string? NewPasswordProblem(string value, PasswordPolicyOptions policy)
    {
        var length = CodePoints(value, policy.MaxLength);
        if (length < policy.MinLength)
        {
            return $"must be at least {policy.MinLength} characters";
        }

        return length > policy.MaxLength ? $"must be at most {policy.MaxLength} characters" : TextProblem(value);
    }

    /// <summary>A login's user name: only the limits, so a login never says more than "no".</summary>
    public static string ExistingUserName(string value, string field = "user_name")
    {
        Required(value, field);
        return value.Length > MaxUserNameLength ? throw Invalid(field, $"must be at most {MaxUserNameLength} characters") : Text(value, field);
    }

    /// <summary>
    /// A login's password: only the maximum, so that passwords set under an older, shorter minimum
    /// still sign in (and a login never says more than "no").
    /// </summary>
    public static string ExistingPassword(string value, int maxLength, string field = "password")
    {
        Required(value, field);
        return CodePoints(value, maxLength) > maxLength ? throw Invalid(field, $"must be at most {maxLength} characters") : Text(value, field);
    }

    /// <summary>An access token or API key as presented.</summary>
    public static string Credential(string value, string field)
    {
        Required(value, field);
        return value.Length > CredentialFormat.MaxLength
            ? throw Invalid(field, $"must be at most {CredentialFormat.MaxLength} characters")
            : Text(value, field);
    }

    public static string KeyName(string value, string field = "name")
    {
        Required(value, field);
        return value.Length > MaxKeyNameLength ? throw Invalid(field, $"must be at most {MaxKeyNameLength} characters") : Text(value, field);
    }

    /// <summary>Free text of at most <paramref name="maxLength"/> characters: valid UTF-8, no control characters.</summary>
    public static string BoundedText(string value, int maxLength, string field, bool required)
    {
        if (required)
        {
            Required(value, field);
        }

        return value.Length > maxLength ? throw Invalid(field, $"must be at most {maxLength} characters") : Text(value, field);
    }

    /// <summary>A version number a caller names: 0 ("none") or positive.</summary>
    public static long Version(long value, string field) =>
        value < 0 ? throw Invalid(field, "must not be negative") : value;

    /// <summary>
    /// Empty, or the canonical client key of an IP address or address group (the same function the
    /// callers' per-client limits use, so one client is one bucket everywhere).
    /// </summary>
    public static string ClientAddress(string value, string field = "client_address")
    {
        if (value.Length > MaxClientAddressLength)
        {
            throw Invalid(field, $"must be at most {MaxClientAddressLength} characters");
        }

        if (Text(value, field).Length == 0)
        {
            return string.Empty;
        }

        return Gateway.ServiceDefaults.ClientAddresses.ClientNetwork.CanonicalKey(value)
            ?? throw Invalid(field, "must be an IP address or an address group such as 2001:db8::/64");
    }

    /// <summary>A plan name: the rule of <see cref="PlanNames"/>, shared with configuration documents.</summary>
    public static string Plan(string value, string field = "plan")
    {
        Required(value, field);
        return PlanNames.IsValid(value) ? value : throw Invalid(field, PlanNames.Rule);
    }

    public static Guid Id(string value, string field) =>
        Guid.TryParseExact(value, "D", out var id) ? id : throw Invalid(field, "must be a UUID");

    /// <summary>User names are unique regardless of case.</summary>
    public static string Normalize(string userName) => userName.ToLowerInvariant();

    private static void Required(string value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Invalid(field, "is required");
        }
    }

    private static string Text(string value, string field) =>
        TextProblem(value) is { } problem ? throw Invalid(field, problem) : value;

    private static string? TextProblem(string value)
    {
        // Protobuf decodes invalid UTF-8 to U+FFFD, and a lone surrogate enumerates as U+FFFD too.
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune == System.Text.Rune.ReplacementChar)
            {
                return "must be valid UTF-8";
            }

            if (System.Text.Rune.IsControl(rune))
            {
                return "must not contain control characters";
            }
        }

        return null;
    }

    /// <summary>
    /// Unicode code points in <paramref name="value"/>, or <c>int.MaxValue</c> when it cannot be
    /// within <paramref name="max"/> (a code point is at most two UTF-16 units): a 10 KB value is not counted.
    /// </summary>
    private static int CodePoints(string value, int max)
    {
        if (value.Length > 2 * max)
        {
            return int.MaxValue;
        }

        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    public static RpcException Invalid(string field, string message) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {message}"));
}
